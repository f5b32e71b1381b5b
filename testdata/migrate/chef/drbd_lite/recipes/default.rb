include_recipe 'pm_corosync01'

package 'drbd8-utils'

template '/etc/drbd.d/global_common.conf' do
  source 'global_common.conf.erb'
  mode '0644'
end

template '/etc/drbd.d/r0.res' do
  source 'r0.res.erb'
  mode '0644'
  variables(
    :port => node['drbd']['port'],
    :disk => node['drbd']['disk'],
    :device => node['drbd']['device'],
    :peers => node['drbd']['peers']
  )
  notifies :run, 'execute[drbdadm-create-md]', :immediately
end

execute 'drbdadm-create-md' do
  command 'yes yes | drbdadm create-md r0'
  action :nothing
  not_if 'drbdadm dump-md r0 >/dev/null 2>&1'
end

execute 'drbdadm-up' do
  command 'drbdadm up r0'
  not_if "grep -q 'cs:' /proc/drbd"
  returns [0, 1]
end

if node['drbd']['master']
  execute 'drbd-primary' do
    command 'drbdadm -- --overwrite-data-of-peer primary r0'
    only_if { node['drbd']['master'] == true }
  end

  execute "mkfs -t #{node['drbd']['fs_type']} #{node['drbd']['device']}" do
    not_if "blkid #{node['drbd']['device']}"
    retries 3
    retry_delay 10
  end
end

directory node['drbd']['mount'] do
  mode '0755'
end
