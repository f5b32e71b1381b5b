package recipe

import (
	"strings"
	"testing"
)

// queryNodes are the nodes the query table searches.
var queryNodes = []struct {
	name   string
	fields searchFields
}{
	{"web1", searchFields{"name": {"web1"}, "chef_environment": {"prod"}, "role": {"web", "base"}, "roles": {"web", "base"},
		"recipe": {"nginx::default", "nginx"}, "tags": {"lb"}, "tag": {"lb"}, "platform": {"ubuntu"}, "ipaddress": {"10.0.0.1"},
		"apache_listen_ports": {"80", "443"}, "apache.listen_ports": {"80", "443"}, "fqdn": {"web1.example.com"}}},
	{"web2", searchFields{"name": {"web2"}, "chef_environment": {"staging"}, "role": {"web"}, "roles": {"web"},
		"recipe": {"nginx::default", "nginx"}, "platform": {"centos"}, "ipaddress": {"10.0.0.2"}, "fqdn": {"web2.example.com"}}},
	{"db1", searchFields{"name": {"db1"}, "chef_environment": {"prod"}, "role": {"db"}, "roles": {"db"},
		"recipe": {"postgresql::server"}, "tags": {"primary"}, "tag": {"primary"}, "platform": {"ubuntu"}, "ipaddress": {"10.0.1.1"},
		"description": {"main db (eu)"}}},
}

func TestQuery_Matches(t *testing.T) {
	cases := []struct {
		query, want string // want: the names, space-separated
	}{
		{"*:*", "web1 web2 db1"},
		{"name:web1", "web1"},
		{"name:web*", "web1 web2"},
		{"name:web?", "web1 web2"},
		{"name:*1", "web1 db1"},
		{"role:web", "web1 web2"},
		{"roles:base", "web1"},
		{"role:web AND chef_environment:prod", "web1"},
		{"role:web && chef_environment:prod", "web1"},
		{"role:db OR chef_environment:staging", "web2 db1"},
		{"role:db || chef_environment:staging", "web2 db1"},
		{"role:web AND NOT chef_environment:prod", "web2"},
		{"role:web AND -chef_environment:prod", "web2"},
		{"role:web AND !chef_environment:prod", "web2"},
		{"NOT role:web", "db1"},
		{"+role:web", "web1 web2"},
		{"(role:web OR role:db) AND platform:ubuntu", "web1 db1"},
		{"role:web OR role:db AND platform:centos", "web1 web2"}, // AND binds tighter
		{"role:(db OR base)", "web1 db1"},
		{"tags:lb", "web1"},
		{"tag:primary", "db1"},
		{"tags:*", "web1 db1"},
		{"recipe:nginx", "web1 web2"},
		{`recipe:postgresql\:\:server`, "db1"},
		{`recipe:"postgresql::server"`, "db1"},
		{"recipe:postgresql*", "db1"},
		{"apache_listen_ports:443", "web1"},
		{"apache.listen_ports:80", "web1"},
		{"ipaddress:10.0.0.*", "web1 web2"},
		{"fqdn:*.example.com", "web1 web2"},
		{`description:"main db (eu)"`, "db1"},
		{`description:"main*"`, ""}, // quoted: literal
		{"nosuchfield:x", ""},
		{"name:WEB1", ""}, // values are case-sensitive
		{"  role:web   AND   name:web2  ", "web2"},
	}
	for _, c := range cases {
		q, err := parseQuery(c.query)
		if err != nil {
			t.Errorf("parseQuery(%q): %v", c.query, err)
			continue
		}
		var got []string
		for _, n := range queryNodes {
			if q.match(n.fields) {
				got = append(got, n.name)
			}
		}
		if strings.Join(got, " ") != c.want {
			t.Errorf("%q matches [%s], want [%s]", c.query, strings.Join(got, " "), c.want)
		}
	}
}

func TestQuery_Errors(t *testing.T) {
	cases := []struct {
		query, want string // want: a part of the error
	}{
		{"", "empty"},
		{"web1", `"web1" at column 1 has no field; write field:value`},
		{"role:web AND", "ends where a term is wanted"},
		{"role:web chef_environment:prod", "without AND or OR"},
		{"(role:web", "not closed"},
		{"role:web)", "closes no '('"},
		{`name:"web`, "quote at column 6 is not closed"},
		{"role:", "has no value"},
		{"role: AND name:x", "has no value"},
		{"AND role:web", "has no term before it"},
		{"port:[1 TO 5]", "ranges are not supported"},
		{"name:web~", "fuzzy"},
		{"na*e:web", "holds a glob"},
		{`name:web\`, "escapes nothing"},
		{":web", "no field before it"},
	}
	for _, c := range cases {
		_, err := parseQuery(c.query)
		if err == nil {
			t.Errorf("parseQuery(%q) parsed", c.query)
			continue
		}
		if !strings.Contains(err.Error(), c.want) {
			t.Errorf("parseQuery(%q): %v; want it to say %q", c.query, err, c.want)
		}
	}
}
