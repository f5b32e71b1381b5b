#
# Cookbook:: postgresql_lite
# Recipe:: default
#
pg = node['postgresql']
version = pg['version']

service_name, data_dir = value_for_platform_family(
  'debian' => ['postgresql', "/var/lib/postgresql/#{version}/main"],
  'rhel' => ["postgresql-#{version}", "/var/lib/pgsql/#{version}/data"]
)

packages = value_for_platform(
  %w(ubuntu debian) => { 'default' => ["postgresql-#{version}", 'postgresql-client'] },
  'centos' => { 'default' => ["postgresql#{version}-server", "postgresql#{version}"] }
)

conf_dir = platform_family?('debian') ? "/etc/postgresql/#{version}/main" : data_dir

package packages

# shared_buffers: a share of memory.total, in MB
mem_mb = node['memory']['total'].to_i / 1024
shared_buffers = format('%dMB', mem_mb * pg['shared_buffers_pct'] / 100)

settings = Hash.new
settings['port'] = pg['port']
settings['max_connections'] = pg['max_connections']
settings['shared_buffers'] = shared_buffers
settings['listen_addresses'] = "'%s'" % pg['listen_addresses'].join(',')

template "#{conf_dir}/postgresql.conf" do
  source 'postgresql.conf.erb'
  owner 'postgres'
  group 'postgres'
  mode '0600'
  variables lazy { { settings: settings, data_dir: data_dir } }
  notifies :restart, "service[#{service_name}]"
end

template "#{conf_dir}/pg_hba.conf" do
  source 'pg_hba.conf.erb'
  owner 'postgres'
  mode '0600'
  variables(entries: pg['hba'])
  notifies :reload, "service[#{service_name}]"
end

service service_name do
  action [:enable, :start]
end

pg['databases'].each_pair do |db, opts|
  encoding = defined?(opts['encoding']) && opts['encoding'] ? opts['encoding'] : 'SQL_ASCII'
  execute "create-database-#{db}" do
    user 'postgres'
    command <<-EOH
      psql -c "CREATE ROLE #{opts['owner']} LOGIN" || true
      createdb -O #{opts['owner']} -E #{encoding} #{db}
    EOH
    not_if "su postgres -c \"psql -Atc 'SELECT datname FROM pg_database'\" | grep -qx #{db}"
  end
end
