editor = value_for_platform(
  'ubuntu' => { '22.04' => 'vim-nox', 'default' => 'vim' },
  'default' => 'vim-enhanced'
)
pkgs = node['base']['packages'].map { |p| p == 'vim' ? editor : p }
pkgs += %w(tzdata)

pkgs.each do |p|
  package p
end

Chef::Log.debug("base_solo: #{pkgs.length} packages")

execute 'set-timezone' do
  command "timedatectl set-timezone #{node['base']['timezone']}"
  not_if "timedatectl | grep -q #{node['base']['timezone']}"
end
