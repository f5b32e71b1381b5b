#
# Cookbook:: tomcat_lite
# Recipe:: default
#
include_recipe '::java'

tomcat = node['tomcat']

# the heap grows with the machine, as the recipe computes it
node.default['tomcat']['heap_mb'] = 1024 if node['memory']['total'].to_i > 4_000_000
node.override['tomcat']['catalina_opts'] = ['-server']
node.normal['tomcat']['installed_by'] = 'chef'
node.set['tomcat']['java_home'] = node['java']['java_home']

group tomcat['group'] do
  system true
end

user tomcat['user'] do
  gid tomcat['group']
  home tomcat['home']
  shell '/bin/false'
  system true
end

directory tomcat['home'] do
  owner tomcat['user']
  group tomcat['group']
  mode '0750'
end

template "#{tomcat['home']}/conf/server.xml" do
  connector = { port: tomcat['port'], redirect: tomcat['ssl_port'] }
  source 'server.xml.erb'
  owner tomcat['user']
  mode '0640'
  variables(connector: connector, shutdown_port: tomcat['shutdown_port'])
  notifies :restart, 'service[tomcat]'
end

template '/etc/default/tomcat' do
  source 'tomcat.default.erb'
  variables(
    java_home: node['tomcat']['java_home'],
    java_opts: (node['java']['opts'] + node['tomcat']['catalina_opts']).join(' '),
    heap_mb: node['tomcat']['heap_mb']
  )
  notifies :restart, 'service[tomcat]'
end

service 'tomcat' do
  action [:enable, :start]
end
