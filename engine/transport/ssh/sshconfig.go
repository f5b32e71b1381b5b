package ssh

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
)

// Resolved is what ssh_config says about one host alias, with OpenSSH's
// defaults filled in where the config says nothing.
type Resolved struct {
	// Alias is the name that was looked up; Host patterns match against it.
	Alias string
	// HostName is the address to connect to: HostName, or Alias.
	HostName string
	// Port is Port, or 22.
	Port int
	// User is User, or the local user name.
	User string
	// IdentityFiles are the IdentityFile values in the order they were
	// found, with ~ and %-tokens expanded. Missing files are kept: the caller
	// decides whether that matters.
	IdentityFiles []string
	// Jumps are the ProxyJump hops in connection order, each resolved
	// through the config in turn; the first hop's own ProxyJump, if any, is
	// spliced in front of it as OpenSSH does. Empty means a direct connection.
	Jumps []Resolved
}

// Address is HostName:Port, bracketed for IPv6.
func (r Resolved) Address() string {
	return net.JoinHostPort(r.HostName, strconv.Itoa(r.Port))
}

// maxJumps bounds a ProxyJump chain, which also catches loops.
const maxJumps = 10

// overrides are values given outside ssh_config (command line, a jump
// spec) that win over it and must be seen by %-token expansion.
type overrides struct {
	User string
	Port int
}

// Resolve reads configFile (default ~/.ssh/config, which may be missing) and
// returns the settings that apply to alias. The first value obtained for a
// keyword wins, as in OpenSSH; IdentityFile values accumulate.
//
// Supported: Host (patterns with * and ?, !negation, several per line),
// Match all, Include, HostName, User, Port, IdentityFile and ProxyJump.
// Other keywords are ignored, and so are Match blocks with other criteria.
func Resolve(alias string, configFile string) (Resolved, error) {
	return resolve(alias, configFile, overrides{})
}

func resolve(alias, configFile string, over overrides) (Resolved, error) {
	return resolveDepth(alias, configFile, over, 0)
}

func resolveDepth(alias, configFile string, over overrides, depth int) (Resolved, error) {
	if alias == "" {
		return Resolved{}, errors.New("ssh: no host given")
	}
	explicit := configFile != ""
	if !explicit {
		home, err := os.UserHomeDir()
		if err == nil {
			configFile = filepath.Join(home, ".ssh", "config")
		}
	}
	var s settings
	if configFile != "" {
		p := &parser{alias: alias, settings: &s}
		err := p.file(configFile, 0)
		if errors.Is(err, fs.ErrNotExist) && !explicit {
			err = nil
		}
		if err != nil {
			return Resolved{}, err
		}
	}
	return s.resolved(alias, configFile, over, depth)
}

// settings collects the first value found for each keyword.
type settings struct {
	hostName, user, port, proxyJump string
	hostNameSet, userSet, portSet   bool
	proxyJumpSet                    bool
	portAt, proxyJumpAt             string // file:line, for errors
	identityFiles                   []string
}

func (s *settings) resolved(alias, configFile string, over overrides, depth int) (Resolved, error) {
	r := Resolved{Alias: alias, HostName: alias, Port: 22}
	localUser := currentUser()
	home, _ := os.UserHomeDir()

	if s.hostNameSet {
		h, err := expandTokens(s.hostName, map[byte]string{'h': alias, 'n': alias})
		if err != nil {
			return Resolved{}, fmt.Errorf("ssh_config: HostName %q: %w", s.hostName, err)
		}
		r.HostName = h
	}
	switch {
	case over.Port != 0:
		r.Port = over.Port
	case s.portSet:
		p, err := parsePort(s.port)
		if err != nil {
			return Resolved{}, fmt.Errorf("%s: Port: %w", s.portAt, err)
		}
		r.Port = p
	}
	switch {
	case over.User != "":
		r.User = over.User
	case s.userSet:
		r.User = s.user
	default:
		r.User = localUser
	}

	tokens := map[byte]string{
		'd': home,
		'h': r.HostName,
		'n': alias,
		'p': strconv.Itoa(r.Port),
		'r': r.User,
		'u': localUser,
	}
	if hn, err := os.Hostname(); err == nil {
		tokens['L'] = hn
		tokens['l'] = strings.SplitN(hn, ".", 2)[0]
	}
	for _, f := range s.identityFiles {
		x, err := expandPath(f, home, tokens)
		if err != nil {
			return Resolved{}, fmt.Errorf("ssh_config: IdentityFile %q: %w", f, err)
		}
		r.IdentityFiles = append(r.IdentityFiles, x)
	}

	if s.proxyJumpSet && s.proxyJump != "none" {
		specs := strings.Split(s.proxyJump, ",")
		for i, spec := range specs {
			hop, err := parseJump(strings.TrimSpace(spec))
			if err != nil {
				return Resolved{}, fmt.Errorf("%s: ProxyJump: %w", s.proxyJumpAt, err)
			}
			if depth+len(r.Jumps) >= maxJumps {
				return Resolved{}, fmt.Errorf("%s: ProxyJump: chain longer than %d hops (does it loop?)", s.proxyJumpAt, maxJumps)
			}
			hr, err := resolveDepth(hop.host, configFile, overrides{User: hop.user, Port: hop.port}, depth+len(r.Jumps)+1)
			if err != nil {
				return Resolved{}, err
			}
			// Only the first hop is reached directly, so only its own
			// ProxyJump matters; later hops are reached through the chain.
			if i == 0 {
				r.Jumps = append(r.Jumps, hr.Jumps...)
			}
			hr.Jumps = nil
			r.Jumps = append(r.Jumps, hr)
		}
	}
	return r, nil
}

type jumpSpec struct {
	user, host string
	port       int
}

// parseJump parses one ProxyJump hop: [user@]host[:port], with IPv6 in
// brackets, or ssh://[user@]host[:port].
func parseJump(spec string) (jumpSpec, error) {
	var j jumpSpec
	s := strings.TrimPrefix(spec, "ssh://")
	s = strings.TrimSuffix(s, "/")
	if s == "" {
		return j, fmt.Errorf("empty hop in %q", spec)
	}
	if i := strings.LastIndex(s, "@"); i >= 0 {
		j.user, s = s[:i], s[i+1:]
	}
	host, port := s, ""
	if strings.HasPrefix(s, "[") {
		h, p, err := net.SplitHostPort(s)
		if err != nil {
			host = strings.Trim(s, "[]")
		} else {
			host, port = h, p
		}
	} else if strings.Count(s, ":") == 1 {
		i := strings.IndexByte(s, ':')
		host, port = s[:i], s[i+1:]
	}
	if host == "" {
		return j, fmt.Errorf("no host in hop %q", spec)
	}
	j.host = host
	if port != "" {
		p, err := parsePort(port)
		if err != nil {
			return j, fmt.Errorf("hop %q: %w", spec, err)
		}
		j.port = p
	}
	return j, nil
}

func parsePort(s string) (int, error) {
	p, err := strconv.Atoi(s)
	if err != nil || p < 1 || p > 65535 {
		return 0, fmt.Errorf("bad port %q: want a number from 1 to 65535", s)
	}
	return p, nil
}

// parser walks a config file, applying the lines of blocks that match alias.
type parser struct {
	alias    string
	settings *settings
}

const maxIncludeDepth = 16

func (p *parser) file(name string, depth int) error {
	data, err := os.ReadFile(name)
	if err != nil {
		return fmt.Errorf("ssh_config: %w", err)
	}
	// Lines before the first Host or Match apply to every host.
	active := true
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64*1024), 1024*1024)
	for n := 1; sc.Scan(); n++ {
		at := fmt.Sprintf("%s:%d", name, n)
		key, args, err := splitLine(sc.Text())
		if err != nil {
			return fmt.Errorf("%s: %w", at, err)
		}
		if key == "" {
			continue
		}
		switch key {
		case "host":
			if len(args) == 0 {
				return fmt.Errorf("%s: Host needs at least one pattern", at)
			}
			active = matchHost(p.alias, args)
			continue
		case "match":
			// Only "Match all" is understood; other criteria are treated
			// as not matching rather than guessed at.
			active = len(args) == 1 && strings.EqualFold(args[0], "all")
			continue
		}
		if !active {
			continue
		}
		if err := p.apply(key, args, at, name, depth); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("ssh_config: %s: %w", name, err)
	}
	return nil
}

func (p *parser) apply(key string, args []string, at, name string, depth int) error {
	s := p.settings
	one := func() (string, error) {
		if len(args) != 1 {
			return "", fmt.Errorf("%s: %s takes one value, got %d", at, key, len(args))
		}
		return args[0], nil
	}
	switch key {
	case "hostname":
		v, err := one()
		if err != nil || s.hostNameSet {
			return err
		}
		s.hostName, s.hostNameSet = v, true
	case "user":
		v, err := one()
		if err != nil || s.userSet {
			return err
		}
		s.user, s.userSet = v, true
	case "port":
		v, err := one()
		if err != nil || s.portSet {
			return err
		}
		s.port, s.portSet, s.portAt = v, true, at
	case "identityfile":
		v, err := one()
		if err != nil {
			return err
		}
		s.identityFiles = append(s.identityFiles, v)
	case "proxyjump":
		v, err := one()
		if err != nil || s.proxyJumpSet {
			return err
		}
		s.proxyJump, s.proxyJumpSet, s.proxyJumpAt = v, true, at
	case "include":
		if depth >= maxIncludeDepth {
			return fmt.Errorf("%s: Include nested more than %d deep (does it loop?)", at, maxIncludeDepth)
		}
		for _, a := range args {
			pattern := a
			if strings.HasPrefix(pattern, "~") {
				home, _ := os.UserHomeDir()
				pattern = home + pattern[1:]
			} else if !filepath.IsAbs(pattern) {
				// User config includes are relative to ~/.ssh.
				home, _ := os.UserHomeDir()
				pattern = filepath.Join(home, ".ssh", pattern)
			}
			matches, err := filepath.Glob(pattern)
			if err != nil {
				return fmt.Errorf("%s: Include %q: %w", at, a, err)
			}
			for _, m := range matches {
				if err := p.file(m, depth+1); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// splitLine returns the lower-cased keyword and its arguments. Both
// "Key value" and "Key=value" are accepted; arguments may be double-quoted.
func splitLine(line string) (string, []string, error) {
	line = strings.TrimSpace(line)
	if line == "" || line[0] == '#' {
		return "", nil, nil
	}
	end := strings.IndexAny(line, " \t=")
	if end < 0 {
		return strings.ToLower(line), nil, nil
	}
	key := strings.ToLower(line[:end])
	rest := strings.TrimLeft(line[end:], " \t")
	if strings.HasPrefix(rest, "=") {
		rest = strings.TrimLeft(rest[1:], " \t")
	}
	var args []string
	for rest != "" {
		if rest[0] == '#' {
			break
		}
		var arg string
		if rest[0] == '"' {
			i := strings.IndexByte(rest[1:], '"')
			if i < 0 {
				return "", nil, fmt.Errorf("unterminated quote in %q", line)
			}
			arg, rest = rest[1:1+i], rest[2+i:]
		} else {
			i := strings.IndexAny(rest, " \t")
			if i < 0 {
				i = len(rest)
			}
			arg, rest = rest[:i], rest[i:]
		}
		args = append(args, arg)
		rest = strings.TrimLeft(rest, " \t")
	}
	return key, args, nil
}

// matchHost reports whether alias matches a Host line: at least one plain
// pattern matches and no negated one does.
func matchHost(alias string, patterns []string) bool {
	matched := false
	for _, pat := range patterns {
		// A single argument may itself be a comma-separated list.
		for _, p := range strings.Split(pat, ",") {
			negate := strings.HasPrefix(p, "!")
			p = strings.TrimPrefix(p, "!")
			if !wildcard(p, alias) {
				continue
			}
			if negate {
				return false
			}
			matched = true
		}
	}
	return matched
}

// wildcard matches s against a pattern of literal text, * (any run of
// characters) and ? (any one character). Host names compare
// case-insensitively.
func wildcard(pattern, s string) bool {
	pattern, s = strings.ToLower(pattern), strings.ToLower(s)
	// Iterative match with backtracking to the last *.
	pi, si := 0, 0
	star, mark := -1, 0
	for si < len(s) {
		switch {
		case pi < len(pattern) && (pattern[pi] == '?' || pattern[pi] == s[si]):
			pi++
			si++
		case pi < len(pattern) && pattern[pi] == '*':
			star, mark = pi, si
			pi++
		case star >= 0:
			mark++
			pi, si = star+1, mark
		default:
			return false
		}
	}
	for pi < len(pattern) && pattern[pi] == '*' {
		pi++
	}
	return pi == len(pattern)
}

// expandPath expands a leading ~ and %-tokens in a file name.
func expandPath(p, home string, tokens map[byte]string) (string, error) {
	if p == "~" || strings.HasPrefix(p, "~/") {
		p = home + p[1:]
	}
	return expandTokens(p, tokens)
}

// expandTokens replaces %x tokens; %% is a literal percent sign.
func expandTokens(s string, tokens map[byte]string) (string, error) {
	if !strings.Contains(s, "%") {
		return s, nil
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '%' {
			b.WriteByte(s[i])
			continue
		}
		if i+1 >= len(s) {
			return "", errors.New("lone % at the end")
		}
		i++
		if s[i] == '%' {
			b.WriteByte('%')
			continue
		}
		v, ok := tokens[s[i]]
		if !ok {
			return "", fmt.Errorf("unsupported token %%%c", s[i])
		}
		b.WriteString(v)
	}
	return b.String(), nil
}

// currentUser is $USER, or the account running converge.
func currentUser() string {
	if u := os.Getenv("USER"); u != "" {
		return u
	}
	if u, err := user.Current(); err == nil {
		return u.Username
	}
	return ""
}
