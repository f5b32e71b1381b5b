template "#{node['webapp']['home']}/shared/app.conf" do
  source 'app.conf.erb'
  owner node['webapp']['user']
  mode '0640'
  variables(
    :port => node['webapp']['port'],
    :workers => node['webapp']['workers'],
    :env => node['webapp']['env'],
    :features => node['webapp']['features']
  )
  notifies :restart, 'service[webapp]', :delayed
end

template '/etc/systemd/system/webapp.service' do
  source 'webapp.service.erb'
  variables(:user => node['webapp']['user'], :home => node['webapp']['home'])
  notifies :run, 'execute[systemctl-daemon-reload]', :immediately
end

execute 'systemctl-daemon-reload' do
  command 'systemctl daemon-reload'
  action :nothing
end

service 'webapp' do
  action [:enable, :start]
end
