package 'nginx'

directory nginx_conf_dir do
  owner 'root'
  group 'root'
  mode '0755'
end

%w(sites-available sites-enabled conf.d).each do |leaf|
  directory ::File.join(nginx_conf_dir, leaf) do
    mode '0755'
  end
end

directory node['nginx']['log_dir'] do
  owner nginx_user
  mode '0750'
end

template "#{nginx_conf_dir}/nginx.conf" do
  source 'nginx.conf.erb'
  owner 'root'
  group 'root'
  mode '0644'
  variables(
    user: nginx_user,
    worker_processes: nginx_workers(node['nginx']['worker_processes_per_cpu']),
    worker_connections: node['nginx']['worker_connections'],
    max_clients: node['nginx']['max_clients'],
    keepalive_timeout: node['nginx']['keepalive_timeout'],
    gzip: node['nginx']['gzip'],
    gzip_types: node['nginx']['gzip_types'],
    headers: node['nginx']['headers']
  )
  notifies :reload, 'service[nginx]', :delayed
end

service 'nginx' do
  supports status: true, restart: true, reload: true
  action [:enable, :start]
end
