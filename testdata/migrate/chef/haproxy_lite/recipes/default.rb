package 'haproxy' do
  version node['haproxy']['version'] if node['haproxy']['version']
  action :install
end

if node['platform'] == 'ubuntu' && node['platform_version'].to_f >= 20.04
  conf_dir = '/etc/haproxy'
elsif node['platform'] == 'centos'
  conf_dir = '/etc/haproxy'
else
  conf_dir = '/usr/local/etc/haproxy'
end

unless node['haproxy']['backends'].empty?
  template "#{conf_dir}/haproxy.cfg" do
    source 'haproxy.cfg.erb'
    variables(
      :frontend_port => node['haproxy']['frontend_port'],
      :balance => node['haproxy']['balance'],
      :backends => node['haproxy']['backends'],
      :backend_port => node['haproxy']['backend_port'],
      :stats => node['haproxy']['stats'],
      :maxconn => node['haproxy']['maxconn']
    )
    notifies :reload, 'service[haproxy]'
  end
end

bash 'enable-haproxy' do
  code <<-EOH
    sed -i 's/ENABLED=0/ENABLED=1/' /etc/default/haproxy
    echo 'done'
  EOH
  only_if 'test -f /etc/default/haproxy'
  not_if "grep -q 'ENABLED=1' /etc/default/haproxy"
end

service 'haproxy' do
  supports :reload => true
  action [:enable, :start]
end
