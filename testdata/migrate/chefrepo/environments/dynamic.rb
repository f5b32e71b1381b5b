name "dynamic"
default_attributes "motd" => { "message" => "built #{Time.now}" }
override_attributes "motd" => { "footer" => ENV["FOOTER"] }
