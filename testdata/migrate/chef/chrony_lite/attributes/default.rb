default['chrony']['servers'] = %w(0.pool.ntp.org 1.pool.ntp.org 2.pool.ntp.org)
default['chrony']['allow'] = []
default['chrony']['makestep'] = { 'threshold' => 1.0, 'limit' => 3 }
default['chrony']['log'] = %w(tracking measurements statistics)

case node['platform_family']
when 'rhel', 'fedora', 'amazon'
  default['chrony']['service'] = 'chronyd'
  default['chrony']['conf'] = '/etc/chrony.conf'
  default['chrony']['driftfile'] = '/var/lib/chrony/drift'
else
  default['chrony']['service'] = 'chrony'
  default['chrony']['conf'] = '/etc/chrony/chrony.conf'
  default['chrony']['driftfile'] = '/var/lib/chrony/chrony.drift'
end
