//! Tokenizer and recursive-descent parser for the FHIRPath subset.
//!
//! Why hand-written: the grammar needed for R4 search parameters is a dozen rules, and
//! a parser generator would cost more compile time than the whole module. Precedence
//! follows the FHIRPath spec: `.`/`[]` > `is`/`as` > `|` > `=`/`!=` > `and` > `or`.
use super::{Expr, Func, ParseError};

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    Str(String),
    Num(f64),
    This,
    Dot,
    LParen,
    RParen,
    LBracket,
    RBracket,
    Comma,
    Pipe,
    Eq,
    Ne,
}

fn err(pos: usize, msg: impl Into<String>) -> ParseError {
    ParseError {
        pos,
        msg: msg.into(),
    }
}

fn tokenize(src: &str) -> Result<Vec<(usize, Tok)>, ParseError> {
    let b = src.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let start = i;
        let tok = match c {
            b' ' | b'\t' | b'\r' | b'\n' => {
                i += 1;
                continue;
            }
            b'.' => Tok::Dot,
            b'(' => Tok::LParen,
            b')' => Tok::RParen,
            b'[' => Tok::LBracket,
            b']' => Tok::RBracket,
            b',' => Tok::Comma,
            b'|' => Tok::Pipe,
            b'=' => Tok::Eq,
            b'!' if b.get(i + 1) == Some(&b'=') => {
                i += 1;
                Tok::Ne
            }
            b'\'' => {
                let mut s = String::new();
                i += 1;
                loop {
                    match b.get(i) {
                        None => return Err(err(start, "unterminated string")),
                        Some(b'\'') => break,
                        Some(b'\\') => {
                            let esc = *b.get(i + 1).ok_or_else(|| err(i, "bad escape"))?;
                            s.push(match esc {
                                b'n' => '\n',
                                b't' => '\t',
                                b'r' => '\r',
                                other => char::from(other),
                            });
                            i += 2;
                        }
                        Some(_) => {
                            let ch = src[i..].chars().next().ok_or_else(|| err(i, "bad char"))?;
                            s.push(ch);
                            i += ch.len_utf8();
                        }
                    }
                }
                Tok::Str(s)
            }
            b'`' => {
                let end = src[i + 1..]
                    .find('`')
                    .ok_or_else(|| err(start, "unterminated `"))?;
                let name = src[i + 1..i + 1 + end].to_owned();
                i += end + 1;
                Tok::Ident(name)
            }
            b'$' if src[i..].starts_with("$this") => {
                i += 4;
                Tok::This
            }
            b'0'..=b'9' => {
                let mut j = i;
                while j < b.len()
                    && (b[j].is_ascii_digit()
                        || (b[j] == b'.' && b.get(j + 1).is_some_and(u8::is_ascii_digit)))
                {
                    j += 1;
                }
                let n = src[i..j].parse().map_err(|_| err(i, "bad number"))?;
                i = j - 1;
                Tok::Num(n)
            }
            c if c.is_ascii_alphabetic() || c == b'_' => {
                let mut j = i;
                while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'_') {
                    j += 1;
                }
                let id = src[i..j].to_owned();
                i = j - 1;
                Tok::Ident(id)
            }
            _ => return Err(err(i, format!("unexpected character {:?}", char::from(c)))),
        };
        out.push((start, tok));
        i += 1;
    }
    Ok(out)
}

pub(super) fn parse(src: &str) -> Result<Expr, ParseError> {
    let toks = tokenize(src)?;
    let mut p = Parser {
        toks,
        pos: 0,
        len: src.len(),
    };
    let e = p.or()?;
    match p.toks.get(p.pos) {
        None => Ok(e),
        Some((at, t)) => Err(err(*at, format!("unexpected {t:?}"))),
    }
}

struct Parser {
    toks: Vec<(usize, Tok)>,
    pos: usize,
    len: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos).map(|(_, t)| t)
    }

    fn at(&self) -> usize {
        self.toks.get(self.pos).map_or(self.len, |(p, _)| *p)
    }

    fn next(&mut self) -> Option<Tok> {
        let t = self.toks.get(self.pos).map(|(_, t)| t.clone());
        self.pos += 1;
        t
    }

    fn expect(&mut self, want: &Tok) -> Result<(), ParseError> {
        let at = self.at();
        match self.next() {
            Some(t) if &t == want => Ok(()),
            other => Err(err(at, format!("expected {want:?}, found {other:?}"))),
        }
    }

    fn keyword(&self, kw: &str) -> bool {
        matches!(self.peek(), Some(Tok::Ident(s)) if s == kw)
    }

    fn or(&mut self) -> Result<Expr, ParseError> {
        let mut left = self.and()?;
        while self.keyword("or") {
            self.pos += 1;
            left = Expr::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Expr, ParseError> {
        let mut left = self.equality()?;
        while self.keyword("and") {
            self.pos += 1;
            left = Expr::And(Box::new(left), Box::new(self.equality()?));
        }
        Ok(left)
    }

    fn equality(&mut self) -> Result<Expr, ParseError> {
        let left = self.union()?;
        let negate = match self.peek() {
            Some(Tok::Eq) => false,
            Some(Tok::Ne) => true,
            _ => return Ok(left),
        };
        self.pos += 1;
        Ok(Expr::Equals(
            Box::new(left),
            Box::new(self.union()?),
            negate,
        ))
    }

    fn union(&mut self) -> Result<Expr, ParseError> {
        let first = self.type_expr()?;
        if self.peek() != Some(&Tok::Pipe) {
            return Ok(first);
        }
        let mut parts = vec![first];
        while self.peek() == Some(&Tok::Pipe) {
            self.pos += 1;
            parts.push(self.type_expr()?);
        }
        Ok(Expr::Union(parts))
    }

    fn type_expr(&mut self) -> Result<Expr, ParseError> {
        let mut e = self.postfix()?;
        loop {
            let is_as = self.keyword("as");
            if !is_as && !self.keyword("is") {
                return Ok(e);
            }
            self.pos += 1;
            let ty = self.type_name()?;
            e = Expr::Call(Box::new(e), if is_as { Func::As(ty) } else { Func::Is(ty) });
        }
    }

    /// `Quantity`, `FHIR.Quantity`, `System.String`: the last name counts.
    fn type_name(&mut self) -> Result<String, ParseError> {
        let at = self.at();
        let mut name = match self.next() {
            Some(Tok::Ident(s)) => s,
            other => return Err(err(at, format!("expected a type name, found {other:?}"))),
        };
        while self.peek() == Some(&Tok::Dot)
            && matches!(self.toks.get(self.pos + 1), Some((_, Tok::Ident(_))))
        {
            self.pos += 1;
            if let Some(Tok::Ident(s)) = self.next() {
                name = s;
            }
        }
        Ok(name)
    }

    fn postfix(&mut self) -> Result<Expr, ParseError> {
        let mut e = self.term()?;
        loop {
            match self.peek() {
                Some(Tok::Dot) => {
                    self.pos += 1;
                    e = self.invocation(e)?;
                }
                Some(Tok::LBracket) => {
                    self.pos += 1;
                    let at = self.at();
                    let n = match self.next() {
                        Some(Tok::Num(n)) if n >= 0.0 && n.fract() == 0.0 => n as usize,
                        other => {
                            return Err(err(at, format!("expected an index, found {other:?}")))
                        }
                    };
                    self.expect(&Tok::RBracket)?;
                    e = Expr::Index(Box::new(e), n);
                }
                _ => return Ok(e),
            }
        }
    }

    fn term(&mut self) -> Result<Expr, ParseError> {
        let at = self.at();
        match self.peek() {
            Some(Tok::LParen) => {
                self.pos += 1;
                let e = self.or()?;
                self.expect(&Tok::RParen)?;
                Ok(e)
            }
            Some(Tok::Str(_)) | Some(Tok::Num(_)) | Some(Tok::This) => match self.next() {
                Some(Tok::Str(s)) => Ok(Expr::Str(s)),
                Some(Tok::Num(n)) => Ok(Expr::Num(n)),
                _ => Ok(Expr::This),
            },
            Some(Tok::Ident(s)) if s == "true" || s == "false" => {
                let b = s == "true";
                self.pos += 1;
                Ok(Expr::Bool(b))
            }
            Some(Tok::Ident(_)) => self.invocation(Expr::This),
            other => Err(err(at, format!("unexpected {other:?}"))),
        }
    }

    /// `name` or `name(args)` applied to `focus`.
    fn invocation(&mut self, focus: Expr) -> Result<Expr, ParseError> {
        let at = self.at();
        let name = match self.next() {
            Some(Tok::Ident(s)) => s,
            other => return Err(err(at, format!("expected a name, found {other:?}"))),
        };
        if self.peek() != Some(&Tok::LParen) {
            return Ok(Expr::Member(Box::new(focus), name));
        }
        self.pos += 1;
        let func = match name.as_str() {
            "where" => Func::Where(Box::new(self.or()?)),
            "exists" if self.peek() != Some(&Tok::RParen) => {
                Func::ExistsWhere(Box::new(self.or()?))
            }
            "exists" => Func::Exists,
            "empty" => Func::Empty,
            "not" => Func::Not,
            "first" => Func::First,
            "last" => Func::Last,
            "count" => Func::Count,
            "resolve" => Func::Resolve,
            "as" => Func::As(self.type_name()?),
            "is" => Func::Is(self.type_name()?),
            "ofType" => Func::As(self.type_name()?),
            "extension" | "hasExtension" => {
                let at = self.at();
                let url = match self.next() {
                    Some(Tok::Str(s)) => s,
                    other => {
                        return Err(err(at, format!("expected a URL string, found {other:?}")))
                    }
                };
                if name == "extension" {
                    Func::Extension(url)
                } else {
                    Func::HasExtension(url)
                }
            }
            _ => return Err(err(at, format!("unsupported function {name}()"))),
        };
        self.expect(&Tok::RParen)?;
        Ok(Expr::Call(Box::new(focus), func))
    }
}
