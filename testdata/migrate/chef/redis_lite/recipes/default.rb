return unless platform_family?('debian')

package 'redis-server' do
  retries 2
end

directory '/var/lib/redis' do
  owner 'redis'
  group 'redis'
  mode '0750'
  recursive true
end

template '/etc/redis/redis.conf' do
  source 'redis.conf.erb'
  owner 'redis'
  mode 0640
  notifies :restart, resources(:service => 'redis-server'), :immediately
end

service 'redis-server' do
  supports :status => true, :restart => true
  action node[:redis][:port] == 6379 ? [:enable, :start] : :enable
end
