package node['apache']['package']

directory node['apache']['docroot'] do
  owner "root"
  group "root"
  mode 00755
  recursive true
  action :create
end

cookbook_file "#{node['apache']['docroot']}/index.html" do
  source "index.html"
  mode "644"
  not_if { ::File.exist?("/var/www/html/index.html") }
end

template "#{node['apache']['dir']}/ports.conf" do
  source "ports.conf.erb"
  variables :ports => node['apache']['listen_ports']
  notifies :reload, "service[apache2]", :delayed
end

template "#{node['apache']['dir']}/sites-available/default.conf" do
  source "vhost.erb"
  mode 0644
  variables({
    :server_admin => node['apache']['server_admin'],
    :docroot => node['apache']['docroot'],
    :server_name => node['fqdn']
  })
end

link "#{node['apache']['dir']}/sites-enabled/default.conf" do
  to "#{node['apache']['dir']}/sites-available/default.conf"
  only_if { ::File.directory?("/etc/apache2/sites-enabled") }
end

service "apache2" do
  service_name node['apache']['package']
  supports :restart => true, :reload => true, :status => true
  action [:enable, :start]
  subscribes :restart, "template[#{node['apache']['dir']}/sites-available/default.conf]", :delayed
end
