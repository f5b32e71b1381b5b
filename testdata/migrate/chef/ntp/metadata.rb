name 'ntp'
maintainer 'Ops Team'
description 'Installs and configures ntp'
version '1.4.2'
%w{ubuntu debian centos redhat}.each do |os|
  supports os
end
