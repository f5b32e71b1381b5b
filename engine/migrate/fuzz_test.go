package migrate

import (
	"os"
	"path/filepath"
	"testing"
)

func addCorpus(f *testing.F, pattern string) {
	files, _ := filepath.Glob(pattern)
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(string(b))
		}
	}
}

// FuzzERB: the translator never panics, and what it returns always parses
// as a Go template (a template that does not is reported as an issue).
func FuzzERB(f *testing.F) {
	addCorpus(f, filepath.Join(corpus, "chef", "*", "templates", "*", "*.erb"))
	addCorpus(f, filepath.Join(corpus, "chef", "*", "templates", "*", "*", "*.erb"))
	addCorpus(f, filepath.Join(corpus, "erb", "*.erb"))
	f.Add("<%= @a %>{<% if x -%>\n<%- end %>")
	for _, tc := range erubisTrimCases {
		f.Add(tc.src)
	}
	f.Add("<%== @a %><%=== @b %><%%> <%% x %%> <%# c -%>\n<%-%><%= format('%05d', @p) %><%= '%s' % @q %>")
	f.Add("<%= @l.map { |x| x.upcase }.join(',') %><% if @a %><% elsif @l.select { |x| x }.empty? %><% end %><%= @h.reject { |k, v| v.nil? }.map { |k, v| \"#{k}=#{v}\" }.join %>")
	f.Add("<% @h.sort_by { |k, v| v['n'].to_s }.each do |k, v| -%>\n<%= k %>\n<% end -%>\r\n<% x")
	f.Add("<% @h.sort_by { |k, v| -v }.each do |k, v| -%>\n<%= k %> <%= v.zero? %>\n<% end -%>\n<%= @l.sort_by { |x| [x.length, x] }.map(&:upcase).join %>")
	f.Add("<%= @l.map(&:to_s).join(&:x) %><%= @h.flatten.length %><% @l.sort_by { |x| x * 2 }.each_with_index do |x, i| %><%= i %><% end %>")
	f.Add("<% if @a =~ /^x(\\d+)\\Z/i -%><%= @a.gsub(/[a-f\\h]+/, '\\1') %><% end %><% case @b %><% when /y|z/ %><%= @b.split(/,\\s*/).join %><% end %>")
	f.Fuzz(func(t *testing.T, src string) {
		out, err := TranslateERB(src)
		if err != nil {
			if ee, ok := err.(*ERBError); ok {
				for _, is := range ee.Issues {
					if is.Line == 0 && is.Code == "" {
						t.Fatalf("translation does not parse: %v\nsrc: %q\nout: %q", is.Why, src, out)
					}
				}
			}
		}
	})
}

// FuzzRecipe: the Ruby reader and the Starlark writer never panic, and
// the Starlark they write always parses.
func FuzzRecipe(f *testing.F) {
	addCorpus(f, filepath.Join(corpus, "chef", "*", "recipes", "*.rb"))
	addCorpus(f, filepath.Join(corpus, "chef", "*", "attributes", "*.rb"))
	addCorpus(f, filepath.Join(corpus, "chef", "*", "metadata.rb"))
	addCorpus(f, filepath.Join(corpus, "chef", "*", "libraries", "*.rb"))
	f.Add("x = <<-EOH\n#{a}\nEOH\nfoo %w{a b}.map { |q| q }, :b => 1")
	f.Add("s = 'a'\nx = [s, 1].map(&:to_s).sort_by { |v| -v.length }\nh = node['h'].map { |k, v| [k, v] }.to_h\nf(s, &:y)\n[&:z]\ny = h['k'] || defined?(h['q'])\nhelper_a(s, 2)\n")
	f.Add("if node['a'] =~ %r{^/(?<d>\\w+)/[#{x}]}x\n  y = $1 + $~[:d]\nend\nz = node['b'].gsub(/(a)|b/, '\\1\\&').scan(/\\h{2}/).first\nw = node['c'].split(/\\s+/) unless node['c'] !~ /\\A\\z/\n")
	f.Fuzz(func(t *testing.T, src string) {
		lib, _ := readLibraries(map[string]string{"helpers": fuzzLibrary})
		for _, kind := range []fileKind{kindRecipe, kindAttributes} {
			out := translateFileWith("f.rb", kind, "cb", "default", src, lib).star
			if _, err := starOptions.Parse("f.star", out, 0); err != nil {
				t.Fatalf("output does not parse: %v\nsrc: %q\nout:\n%s", err, src, out)
			}
		}
		readMetadataRb("metadata.rb", src)
	})
}

// FuzzKind: a custom resource, an LWRP's resource and provider, or a
// definition never makes the translator panic, and the kind's file it
// writes always parses.
func FuzzKind(f *testing.F) {
	addCorpus(f, filepath.Join(corpus, "chef", "*", "resources", "*.rb"))
	addCorpus(f, filepath.Join(corpus, "chef", "*", "providers", "*.rb"))
	addCorpus(f, filepath.Join(corpus, "chef", "*", "definitions", "*.rb"))
	f.Add("property :a, [String, Integer], default: lazy { x }\nload_current_value do |d|\n  a shell_out(\"x #{d.a}\").stdout.to_i unless ::File.exist?(d.a)\nend\naction :x do\n  converge_if_changed :a do\n    file a\n  end\nend\n")
	f.Add("action_class do\n  def h(x)\n    new_resource.a + x\n  rescue\n  end\nend\ndefine :kit_d, a: 1 do\n  params[:b]\nend\ndef load_current_resource\n  @current_resource = X.new(1)\n  @current_resource.a(1)\nend\n")
	f.Fuzz(func(t *testing.T, src string) {
		k := &crKind{chefName: "kit_x", kind: "kit_x", cookbook: "kit", stem: "x", style: "custom resource", props: map[string]*crProp{}}
		k.addProp("a", "str")
		kinds := map[string]*crKind{k.chefName: k}
		for _, out := range []kindOutput{
			translateKind(k, kinds, "kit/resources/x.rb", src, "", "", nil),
			translateKind(k, kinds, "kit/resources/x.rb", "actions :a\nattribute :a, kind_of: String\n", "kit/providers/x.rb", src, nil),
			translateDefinition(&crKind{chefName: "kit_x", kind: "kit_x", cookbook: "kit", stem: "x", style: "definition", props: map[string]*crProp{}}, kinds, "kit/definitions/x.rb", src),
		} {
			if _, err := starOptions.Parse("x.star", out.star, 0); err != nil {
				t.Fatalf("output does not parse: %v\nsrc: %q\nout:\n%s", err, src, out.star)
			}
		}
	})
}

const fuzzLibrary = "module M\n  def helper_a(x, y = 1)\n    x * y\n  end\n  def self.helper_b\n    node['a']\n  end\nend\n"

// FuzzLibrary: translating a library never panics, and the Starlark it
// writes always parses.
func FuzzLibrary(f *testing.F) {
	addCorpus(f, filepath.Join(corpus, "chef", "*", "libraries", "*.rb"))
	f.Add(fuzzLibrary)
	f.Add("module A\n  module B\n    def x(a, *b)\n      a\n    end\n    def y = 1\n    def z(q)\n      r = q\n      return r if q\n      r\n    end\n  end\n  class C; end\nend\nChef::Recipe.send(:include, A::B)\nFOO = 1\n")
	f.Add("def top(a = [1, 2])\n  a.map(&:to_s)\nend\nmodule\ndef\n")
	f.Add("if node['a'] =~ %r{^/(?<d>\\w+)/[#{x}]}x\n  y = $1 + $~[:d]\nend\nz = node['b'].gsub(/(a)|b/, '\\1\\&').scan(/\\h{2}/).first\nw = node['c'].split(/\\s+/) unless node['c'] !~ /\\A\\z/\n")
	f.Fuzz(func(t *testing.T, src string) {
		lib, _ := readLibraries(map[string]string{"l": src})
		out, _ := translateLibrary("cb/libraries/l.rb", "cb", "l", src, lib)
		if _, err := starOptions.Parse("l.star", out, 0); err != nil {
			t.Fatalf("output does not parse: %v\nsrc: %q\nout:\n%s", err, src, out)
		}
	})
}
