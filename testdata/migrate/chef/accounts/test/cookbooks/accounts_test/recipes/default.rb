accounts_manage 'devs' do
  group_id 3100
  members %w(alice bob)
end

accounts_manage 'ops' do
  group_id 3101
  members ['carol']
  shell '/bin/sh'
  manage_home false
end
