# servers to sync from
default['ntp']['servers'] = %w{0.pool.ntp.org 1.pool.ntp.org 2.pool.ntp.org}
default['ntp']['restrict_localhost'] = true
default['ntp']['driftfile'] = '/var/lib/ntp/ntp.drift'

case node['platform_family']
when 'rhel'
  default['ntp']['service'] = 'ntpd'
  default['ntp']['driftfile'] = '/var/lib/ntp/drift'
else
  default['ntp']['service'] = 'ntp'
end
