name 'memcached_test'
version '0.1.0'
depends 'memcached'
