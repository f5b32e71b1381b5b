default['users_lite']['group'] = 'ops'
default['users_lite']['gid'] = 2000
default['users_lite']['members'] = %w(alice bob)
default['users_lite']['shell'] = '/bin/bash'
override['users_lite']['manage'] = true
