name 'chrony_lite'
maintainer 'Example Ops'
license 'Apache-2.0'
description 'Installs and configures chrony as the NTP client (and server)'
version '0.9.2'
%w(ubuntu debian centos redhat).each do |os|
  supports os
end
