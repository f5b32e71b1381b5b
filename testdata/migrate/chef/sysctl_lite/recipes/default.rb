template node['sysctl']['conf_file'] do
  source '99-sysctl.conf.erb'
  variables(:params => node['sysctl']['params'])
  mode '0644'
end

execute 'sysctl-reload' do
  command "sysctl -p #{node['sysctl']['conf_file']}"
  action :nothing
  subscribes :run, "template[#{node['sysctl']['conf_file']}]", :immediately
end
