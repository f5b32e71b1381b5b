name "haproxy_lite"
version "1.0.0"
description "HAProxy in front of the web nodes"
depends "apache2_lite", "= 1.2.0"
