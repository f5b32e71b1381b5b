default[:redis][:port] = 6379
default[:redis][:bind] = '127.0.0.1'
default[:redis][:maxmemory] = '256mb'
default[:redis][:save] = [[900, 1], [300, 10]]
normal[:redis][:loglevel] = 'notice'
set[:redis][:databases] = 16
