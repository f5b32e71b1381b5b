template '/etc/motd' do
  source 'motd.erb'
  variables(:message => node['motd']['message'], :admins => node['motd']['admins'])
end
