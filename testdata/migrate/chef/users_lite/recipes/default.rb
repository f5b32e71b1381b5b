group node['users_lite']['group'] do
  gid node['users_lite']['gid']
  members node['users_lite']['members']
  only_if { node['users_lite']['manage'] }
end

uid = 2001
node['users_lite']['members'].each do |login|
  user login do
    uid uid
    gid node['users_lite']['gid']
    home "/home/#{login}"
    shell node['users_lite']['shell']
    action :create
  end

  directory "/home/#{login}/.ssh" do
    owner login
    group node['users_lite']['group']
    mode 0700
  end
  uid += 1
end

file '/etc/sudoers.d/ops' do
  content "%#{node['users_lite']['group']} ALL=(ALL) NOPASSWD:ALL\n"
  mode '0440'
  owner 'root'
  group 'root'
end
