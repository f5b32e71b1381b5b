default['webapp']['user'] = 'webapp'
default['webapp']['home'] = '/srv/webapp'
default['webapp']['port'] = 8080
default['webapp']['workers'] = 4
default['webapp']['env'] = 'production'
default['webapp']['features'] = %w(cache metrics)
