#
# Cookbook:: nginx_lite
# Attributes:: default
#
default['nginx']['dir'] = '/etc/nginx'
default['nginx']['log_dir'] = '/var/log/nginx'
default['nginx']['worker_processes_per_cpu'] = 2
default['nginx']['worker_connections'] = 1024
# computed from the two above, as the community cookbook does
default['nginx']['max_clients'] = node['nginx']['worker_connections'] * node['nginx']['worker_processes_per_cpu']
default['nginx']['keepalive_timeout'] = 65
default['nginx']['gzip'] = 'on'
default['nginx']['gzip_types'] = %w(text/plain text/css application/json)
default['nginx']['sites'] = {
  'default' => { 'port' => 80, 'root' => '/var/www/html', 'server_name' => 'localhost' },
  'status' => { 'port' => 8080, 'root' => '/var/www/status', 'server_name' => '_' },
}
default['nginx']['headers'] = { 'X-Frame-Options' => 'DENY', 'X-Content-Type-Options' => 'nosniff' }
