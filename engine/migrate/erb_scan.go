package migrate

import "strings"

// The scanner follows Erubis::Eruby, which Chef renders templates with
// (lib/chef/mixin/template.rb), with its default trim mode on:
//
//   - a tag is "<%" + an indicator ("=" or "==" output, "-" nothing, "#"
//     a comment, "%" a literal) + code up to the first "%>"; a "-" or "="
//     just before the "%>" is dropped;
//   - a <% %> or <%# %> tag alone on its line (only spaces and tabs around
//     it, then the line's end) is removed with its indentation and its
//     newline; anywhere else its surroundings stay;
//   - <%= %> never trims, except that "-%>" (or "=%>") eats the spaces and
//     the newline right after it;
//   - "<%%" writes the tag out literally as "<%" + code + "%>";
//   - "<%-" is just "<%": Erubis has no ERB-style "-" trimming;
//   - a "<%" with no "%>" after it is text;
//   - template text becomes a Ruby string literal, so a CR LF in it turns
//     into LF.
//
// The rules were learnt by rendering small templates with Debian's
// ruby-erubis; erb_test.go checks them against it.

const (
	segText = iota
	segCode
	segOut
	segComment
)

type erbSeg struct {
	kind   int
	text   string
	line   int
	tag    string // the tag as written, for messages
	escape bool   // <%== %>: Erubis escapes &, <, > and " in the output
	debug  bool   // <%=== %>: Erubis prints the expression to stderr
}

// erbTag is one match of Erubis's tag pattern.
type erbTag struct {
	start, end int    // src[start:end] is the tag including its rspace
	indicator  string // "", "=", "==", "-", "#", "%"
	code       string
	tailch     string // "-" or "=" before "%>", or ""
	rspace     string // spaces and a newline right after "%>"
	hasRspace  bool
}

// matchTag matches a tag at src[k:] (which starts with "<%") trying the
// indicators in the order a regexp engine would: the longest run of "="
// first, then "-", "#", "%", then none.
func matchTag(src string, k int) (erbTag, bool) {
	after := k + 2
	var choices []string
	eq := 0
	for after+eq < len(src) && src[after+eq] == '=' {
		eq++
	}
	for n := eq; n >= 1; n-- {
		choices = append(choices, strings.Repeat("=", n))
	}
	if after < len(src) {
		switch src[after] {
		case '-', '#', '%':
			choices = append(choices, src[after:after+1])
		}
	}
	choices = append(choices, "")
	for _, ind := range choices {
		cs := after + len(ind)
		for j := cs; j+1 < len(src); j++ {
			tail := ""
			end := -1
			if (src[j] == '-' || src[j] == '=') && strings.HasPrefix(src[j+1:], "%>") {
				tail, end = src[j:j+1], j+3
			} else if strings.HasPrefix(src[j:], "%>") {
				end = j + 2
			}
			if end < 0 {
				continue
			}
			tg := erbTag{start: k, indicator: ind, code: src[cs:j], tailch: tail}
			m := end
			for m < len(src) && (src[m] == ' ' || src[m] == '\t') {
				m++
			}
			if strings.HasPrefix(src[m:], "\n") {
				m++
				tg.hasRspace = true
			} else if strings.HasPrefix(src[m:], "\r\n") {
				m += 2
				tg.hasRspace = true
			}
			if tg.hasRspace {
				tg.rspace = src[end:m]
				end = m
			}
			tg.end = end
			return tg, true
		}
	}
	return erbTag{}, false
}

// leadingSpace is what Erubis calls the space at the beginning of the
// line before a tag: "" when the tag starts its line, the indentation when
// only spaces and tabs stand before it, and ok false otherwise. text is
// returned without that indentation.
func leadingSpace(text string, atBOL bool) (rest, lspace string, ok bool) {
	switch {
	case text == "":
		return text, "", atBOL
	case text[len(text)-1] == '\n':
		return text, "", true
	}
	nl := strings.LastIndexByte(text, '\n')
	tail := text[nl+1:]
	if strings.Trim(tail, " \t") != "" || (nl < 0 && !atBOL) {
		return text, "", false
	}
	return text[:nl+1], tail, true
}

// rubyText is template text as Ruby reads it back from Erubis's generated
// source: a CR LF there is LF.
func rubyText(s string) string { return strings.ReplaceAll(s, "\r\n", "\n") }

// scanERB splits src into text and tags as Erubis::Eruby does, with the
// trimming already applied to the text.
func scanERB(src string) []erbSeg {
	var segs []erbSeg
	var text strings.Builder
	emit := func(s string) { text.WriteString(s) }
	flush := func() {
		if text.Len() > 0 {
			segs = append(segs, erbSeg{kind: segText, text: rubyText(text.String())})
			text.Reset()
		}
	}
	line := 1
	pos := 0
	atBOL := true
	for {
		k := strings.Index(src[pos:], "<%")
		if k < 0 {
			break
		}
		k += pos
		tg, ok := matchTag(src, k)
		if !ok {
			break // no "%>" follows: the rest is text
		}
		before := src[pos:k]
		line += strings.Count(before, "\n")
		tagLine := line
		line += strings.Count(src[k:tg.end], "\n")
		pos = tg.end
		ch := byte(0)
		if tg.indicator != "" {
			ch = tg.indicator[0]
		}
		lspace, hasL := "", false
		if ch != '=' {
			before, lspace, hasL = leadingSpace(before, atBOL)
		}
		atBOL = tg.hasRspace
		emit(before)
		written := src[k:tg.end]
		if tg.hasRspace {
			written = written[:len(written)-len(tg.rspace)]
		}
		seg := erbSeg{line: tagLine, text: tg.code, tag: written}
		trim := hasL && tg.hasRspace
		switch ch {
		case '=':
			seg.kind = segOut
			seg.escape = tg.indicator == "=="
			seg.debug = len(tg.indicator) > 2
			flush()
			segs = append(segs, seg)
			if tg.tailch == "" {
				emit(tg.rspace)
			}
		case '%':
			emit(lspace + "<%" + tg.code + tg.tailch + "%>" + tg.rspace)
		default:
			seg.kind = segCode
			if ch == '#' {
				seg.kind = segComment
			}
			if !trim {
				emit(lspace)
			}
			flush()
			segs = append(segs, seg)
			if !trim {
				emit(tg.rspace)
			}
		}
	}
	emit(src[pos:])
	flush()
	return segs
}
