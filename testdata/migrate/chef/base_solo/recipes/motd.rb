motd = node['base']['motd_lines']
template '/etc/motd' do
  source 'motd.erb'
  mode '0644'
  variables(
    lines: motd,
    host: node['fqdn'],
    platform: "#{node['platform']} #{node['platform_version']}",
    cpus: node['cpu']['total'],
    width: motd.map(&:length).max
  )
end
