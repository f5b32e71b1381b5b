module Legacy
  def cluster_peers
    search(:node, 'role:cluster').map(&:name)
  end
end
