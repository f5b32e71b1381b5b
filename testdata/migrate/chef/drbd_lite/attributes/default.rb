default['drbd']['port'] = 7789
default['drbd']['disk'] = '/dev/sdb1'
default['drbd']['device'] = '/dev/drbd0'
default['drbd']['mount'] = '/data'
default['drbd']['fs_type'] = 'ext4'
default['drbd']['master'] = false
default['drbd']['peers'] = [
  { 'name' => 'server1', 'address' => '10.132.253.7' },
  { 'name' => 'server2', 'address' => '10.132.253.17' }
]
