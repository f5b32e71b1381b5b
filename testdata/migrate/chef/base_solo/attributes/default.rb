# knife-solo era cookbook: no metadata.rb, the directory names it
default['base']['admins'] = %w(alice bob)
default['base']['packages'] = %w(vim htop curl)
default['base']['timezone'] = 'Etc/UTC'
default['base']['motd_lines'] = ['Authorized use only.', 'Ask #ops for help.']
default['base']['sshd'] = { 'PermitRootLogin' => 'no', 'PasswordAuthentication' => 'no', 'MaxAuthTries' => 3 }
