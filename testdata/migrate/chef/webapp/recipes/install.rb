pkgs = %w(git curl)
pkgs << 'python3' if platform_family?('debian')

package pkgs

user node['webapp']['user'] do
  home node['webapp']['home']
  shell '/usr/sbin/nologin'
  system true
end

directory node['webapp']['home'] do
  owner node['webapp']['user']
  recursive true
end

%w{releases shared logs}.each do |d|
  directory "#{node['webapp']['home']}/#{d}" do
    owner node['webapp']['user']
    mode '0750'
  end
end
