name             'accounts'
maintainer       'Ops'
license          'Apache-2.0'
description      'LWRP to manage a group of local users'
version          '3.1.0'

%w(ubuntu debian centos).each do |os|
  supports os
end
