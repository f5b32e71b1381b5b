name 'accounts_test'
version '0.0.1'
depends 'accounts'
