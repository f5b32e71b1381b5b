default['legacy']['token'] = 'changeme'
default_unless['legacy']['region'] = 'tokyo'
