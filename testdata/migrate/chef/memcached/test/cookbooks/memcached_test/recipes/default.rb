memcached_instance 'sessions' do
  port 11212
  memory 128
end

memcached_instance 'legacy' do
  action :stop
end
