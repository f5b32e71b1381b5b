#
# Cookbook Name:: ntp
# Recipe:: default
#
package 'ntp' do
  action :install
end

template '/etc/ntp.conf' do
  source 'ntp.conf.erb'
  owner 'root'
  group 'root'
  mode '0644'
  variables(
    servers: node['ntp']['servers'],
    driftfile: node['ntp']['driftfile']
  )
  notifies :restart, "service[#{node['ntp']['service']}]"
end

service node['ntp']['service'] do
  supports :status => true, :restart => true
  action [:enable, :start]
end
