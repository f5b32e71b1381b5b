package lab

import (
	"strings"
	"testing"
)

func TestNodeAddr_StartsAtTenAndStaysInSubnet(t *testing.T) {
	s, err := parseSubnet("10.213.0.0/24")
	if err != nil {
		t.Fatal(err)
	}
	if got := s.gateway().String(); got != "10.213.0.1" {
		t.Errorf("gateway = %s, want 10.213.0.1", got)
	}
	for i, want := range map[int]string{0: "10.213.0.10", 1: "10.213.0.11", 244: "10.213.0.254"} {
		a, err := s.nodeAddr(i)
		if err != nil || a.String() != want {
			t.Errorf("nodeAddr(%d) = %v, %v; want %s", i, a, err, want)
		}
	}
	if _, err := s.nodeAddr(245); err == nil {
		t.Error("nodeAddr(245) is the broadcast address, want an error")
	}
	s2, _ := parseSubnet("172.30.4.0/22")
	if a, _ := s2.nodeAddr(300); a.String() != "172.30.5.54" {
		t.Errorf("nodeAddr(300) in /22 = %s, want 172.30.5.54", a)
	}
}

func TestParseSubnet_RefusesWhatIsNotASmallIPv4Net(t *testing.T) {
	for _, bad := range []string{"", "10.0.0.1", "fd00::/64", "10.0.0.0/30", "nonsense/24"} {
		if _, err := parseSubnet(bad); err == nil {
			t.Errorf("parseSubnet(%q) accepted it", bad)
		}
	}
	s, err := parseSubnet("10.9.8.7/24")
	if err != nil || s.String() != "10.9.8.0/24" {
		t.Errorf("parseSubnet masks to %v, %v; want 10.9.8.0/24", s, err)
	}
}

func TestAllocateIndexes_KeepsExistingAndFillsGaps(t *testing.T) {
	used := map[string]int{"n1": 0, "n3": 2}
	got := allocateIndexes([]string{"n1", "n2", "n4", "n2"}, used)
	want := map[string]int{"n1": 0, "n2": 1, "n4": 3}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("index of %s = %d, want %d (all: %v)", k, got[k], v, got)
		}
	}
}

const ipRouteOutput = `default via 192.0.2.1 dev eth0
192.0.2.0/24 dev eth0 proto kernel scope link src 192.0.2.2
10.213.0.0/24 dev cvgbr0 proto kernel scope link src 10.213.0.1
172.17.0.0/16 dev docker0 proto kernel scope link src 172.17.0.1 linkdown
10.8.0.5 via 192.0.2.1 dev eth0
unreachable 10.99.0.0/16
`

func TestCheckRoutes(t *testing.T) {
	for _, tc := range []struct {
		subnet  string
		collide string // part of the route named in the error; empty: no error
	}{
		{"10.213.0.0/24", ""}, // the lab's own bridge route
		{"10.214.0.0/24", ""},
		{"192.0.2.128/25", "192.0.2.0/24 dev eth0"},
		{"172.17.3.0/24", "172.17.0.0/16"},
		{"10.8.0.0/24", "10.8.0.5"},
		{"10.99.1.0/24", "unreachable 10.99.0.0/16"},
		{"10.0.0.0/8", "10.8.0.5"},
	} {
		s, err := parseSubnet(tc.subnet)
		if err != nil {
			t.Fatal(err)
		}
		err = checkRoutes(s, ipRouteOutput, BridgeName)
		switch {
		case tc.collide == "" && err != nil:
			t.Errorf("%s: unexpected error %v", tc.subnet, err)
		case tc.collide != "" && err == nil:
			t.Errorf("%s: no error, want a collision with %q", tc.subnet, tc.collide)
		case tc.collide != "" && !strings.Contains(err.Error(), tc.collide):
			t.Errorf("%s: error %q does not name the route %q", tc.subnet, err, tc.collide)
		case tc.collide != "" && !strings.Contains(err.Error(), "--subnet"):
			t.Errorf("%s: error %q does not say how to fix it", tc.subnet, err)
		}
	}
}

func TestVethName_CutTo15Bytes(t *testing.T) {
	for name, want := range map[string]string{
		"n1":                "cvg-n1",
		"web-01":            "cvg-web-01",
		"abcdefghijk":       "cvg-abcdefghijk",
		"abcdefghijkl":      "cvg-abcdefghijk",
		"a-very-long-name1": "cvg-a-very-long",
	} {
		if got := vethName(name); got != want || len(got) > 15 {
			t.Errorf("vethName(%q) = %q, want %q", name, got, want)
		}
	}
	if err := checkVethClash([]string{"cluster-node-1", "cluster-node-2"}); err == nil {
		t.Error("names that cut to the same veth were accepted")
	}
	if err := checkVethClash([]string{"n1", "n2", "n1"}); err != nil {
		t.Errorf("distinct names refused: %v", err)
	}
}

func TestCheckName(t *testing.T) {
	for _, ok := range []string{"n1", "web-1", "a"} {
		if err := checkName(ok); err != nil {
			t.Errorf("checkName(%q): %v", ok, err)
		}
	}
	for _, bad := range []string{"", "N1", "-a", "a-", "../x", "a.b", "a b", strings.Repeat("a", 64)} {
		if err := checkName(bad); err == nil {
			t.Errorf("checkName(%q) accepted it", bad)
		}
	}
}

func TestMacFor_StableAndLocallyAdministered(t *testing.T) {
	s, _ := parseSubnet(DefaultSubnet)
	a, _ := s.nodeAddr(2)
	if got := macFor(0xc0, a); got != "02:c0:0a:d5:00:0c" {
		t.Errorf("macFor = %s", got)
	}
}
