default['haproxy']['frontend_port'] = 80
default['haproxy']['balance'] = 'roundrobin'
default['haproxy']['backends'] = ['10.0.0.11', '10.0.0.12']
default['haproxy']['backend_port'] = 8080
default['haproxy']['stats'] = false
default['haproxy']['maxconn'] = 2048
