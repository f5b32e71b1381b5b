default['postgresql']['version'] = '14'
default['postgresql']['port'] = 5432
default['postgresql']['listen_addresses'] = %w(localhost)
default['postgresql']['max_connections'] = 100
default['postgresql']['shared_buffers_pct'] = 25
default['postgresql']['hba'] = [
  { type: 'local', db: 'all', user: 'postgres', method: 'peer' },
  { type: 'host', db: 'all', user: 'all', addr: '127.0.0.1/32', method: 'scram-sha-256' },
]
default['postgresql']['databases'] = {
  'app' => { 'owner' => 'app', 'encoding' => 'UTF8' },
  'reports' => { 'owner' => 'reporting' },
}
