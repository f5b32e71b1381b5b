name             'pm_corosync01'
maintainer       'Maho Takara'
maintainer_email 'takara@example.com'
license          'All rights reserved'
description      'Installs/Configures pm_corosync01'
long_description IO.read(File.join(File.dirname(__FILE__), 'README.md'))
version          '0.1.0'
supports 'ubuntu', '>= 14.04'
supports 'centos'
