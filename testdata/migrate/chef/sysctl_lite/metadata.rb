name 'sysctl_lite'
version '0.9.0'
