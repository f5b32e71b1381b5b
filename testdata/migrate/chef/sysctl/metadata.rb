name 'sysctl'
maintainer 'Platform Team'
license 'Apache-2.0'
description 'Provides the sysctl_param resource to set kernel parameters'
version '1.4.2'
chef_version '>= 15.3'

supports 'ubuntu'
supports 'centos'
