#
# Cookbook:: chrony_lite
# Recipe:: default
#
Chef::Log.info("chrony_lite: #{node['cpu']['total']} CPU(s) on #{node['kernel']['machine']}")

package 'chrony'

# Ohai gives memory.total as a string: "2048000kB"
mem_kb = node['memory']['total'].to_i
maxsamples = mem_kb > 1048576 ? 64 : 16

arch = case node['kernel']['machine']
       when 'x86_64', 'amd64' then 'x64'
       when 'aarch64', 'arm64' then 'arm'
       else 'other'
       end

servers = node['chrony']['servers'].reject { |s| s.start_with?('#') }
peers = servers.select { |s| s.end_with?('.internal') }

unless node['chrony']['allow'].empty?
  Chef::Log.warn("chrony_lite: serving time to #{node['chrony']['allow'].join(', ')}")
else
  log 'chrony-client-only' do
    message "chrony_lite: #{node['hostname']} is a client only"
    level :info
  end
end

if platform?('ubuntu', 'debian')
  file '/etc/default/chrony' do
    content "DAEMON_OPTS=\"-F 1\"\n"
    mode '0644'
    notifies :restart, "service[#{node['chrony']['service']}]"
  end
end

template node['chrony']['conf'] do
  source 'chrony.conf.erb'
  owner 'root'
  group 'root'
  mode '0644'
  variables(
    servers: servers,
    peers: peers,
    allow: node['chrony']['allow'],
    makestep: node['chrony']['makestep'],
    maxsamples: maxsamples,
    arch: arch,
    cpus: node['cpu']['total'],
    driftfile: node['chrony']['driftfile'],
    log: node['chrony']['log']
  )
  notifies :restart, "service[#{node['chrony']['service']}]"
end

service node['chrony']['service'] do
  supports restart: true, status: true
  action %i(enable start)
end
