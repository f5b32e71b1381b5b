default['sysctl']['params'] = {
  'net.ipv4.ip_forward' => 1,
  'net.ipv4.ip_nonlocal_bind' => 1,
  'vm.swappiness' => 10
}
default['sysctl']['conf_file'] = '/etc/sysctl.d/99-converge.conf'
