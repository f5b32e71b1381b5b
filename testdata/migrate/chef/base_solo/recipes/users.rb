admins = node['base']['admins'].sort

admins.each_with_index do |name, i|
  user name do
    uid 2000 + i
    shell '/bin/bash'
    manage_home true
    home "/home/#{name}"
  end
end

group 'sysadmin' do
  members admins
  append true
end

file '/etc/sudoers.d/sysadmin' do
  content <<~EOS
    # Managed by Chef
    %sysadmin ALL=(ALL) NOPASSWD: ALL
  EOS
  mode '0440'
end

template '/etc/ssh/sshd_config.d/50-base.conf' do
  source 'sshd.conf.erb'
  mode '0600'
  variables(settings: node['base']['sshd'], admins: admins)
end
