default['logrotate']['global'] = {
  'weekly' => true,
  'rotate' => 4,
  'create' => '',
  'compress' => true,
  'dateext' => false,
}
default['logrotate']['apps'] = {
  'nginx' => {
    'path' => ['/var/log/nginx/*.log'],
    'frequency' => 'daily',
    'rotate' => 14,
    'options' => %w(missingok compress delaycompress notifempty),
    'postrotate' => 'systemctl reload nginx',
  },
  'app' => {
    'path' => '/srv/app/log/app.log',
    'rotate' => 7,
    'options' => 'copytruncate missingok nocompress',
    'size' => '100M',
  },
}
