//! Line ends: CRLF read as LF, and a last line feed added, so that CSV records know their line.

use std::io::Read;

/// Turns CRLF line ends into LF (a lone CR stays), and ends the text with a LF if it does not,
/// so that every record ends with a line feed and its first line can be told from where the
/// reader stands after it (see [`super::CsvRows::next`]), whichever line ends the source
/// wrote. Text inside quoted fields gets LF too.
pub(super) struct CrLf<R> {
    inner: R,
    /// A CR at the end of the last read, held back until we know whether LF follows.
    held: bool,
    /// The last byte handed out, if any.
    last: Option<u8>,
    /// Whether the input has ended (and the closing LF, if one was needed, was handed out).
    ended: bool,
}

impl<R> CrLf<R> {
    pub(super) fn new(inner: R) -> Self {
        CrLf {
            inner,
            held: false,
            last: None,
            ended: false,
        }
    }
}

impl<R: Read> Read for CrLf<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.read_converted(buf)?;
        if n > 0 {
            self.last = Some(buf[n - 1]);
            return Ok(n);
        }
        if self.ended || buf.is_empty() {
            return Ok(0);
        }
        self.ended = true;
        match self.last {
            Some(b) if b != b'\n' => {
                buf[0] = b'\n';
                self.last = Some(b'\n');
                Ok(1)
            }
            _ => Ok(0),
        }
    }
}

impl<R: Read> CrLf<R> {
    fn read_converted(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if buf.len() < 2 {
            return self.inner.read(buf);
        }
        loop {
            let start = usize::from(self.held);
            if self.held {
                buf[0] = b'\r';
            }
            let n = self.inner.read(&mut buf[start..])?;
            if n == 0 {
                self.held = false;
                return Ok(start);
            }
            let len = start + n;
            let mut out = 0;
            let mut i = 0;
            while i < len {
                let b = buf[i];
                if b == b'\r' && i + 1 < len && buf[i + 1] == b'\n' {
                    i += 1;
                    continue;
                }
                buf[out] = b;
                out += 1;
                i += 1;
            }
            self.held = out > 0 && buf[out - 1] == b'\r';
            if self.held {
                out -= 1;
            }
            if out > 0 {
                return Ok(out);
            }
        }
    }
}

#[cfg(test)]
mod line_end_tests {
    use super::CrLf;
    use std::io::Read;

    /// Reads through CrLf with reads of `size` bytes at most.
    fn through(input: &[u8], size: usize) -> Vec<u8> {
        struct Trickle<'a>(&'a [u8], usize);
        impl Read for Trickle<'_> {
            fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
                let n = self.0.len().min(self.1).min(buf.len());
                buf[..n].copy_from_slice(&self.0[..n]);
                self.0 = &self.0[n..];
                Ok(n)
            }
        }
        let mut out = Vec::new();
        CrLf::new(Trickle(input, size))
            .read_to_end(&mut out)
            .expect("read");
        out
    }

    #[test]
    fn crlf_becomes_lf_across_read_boundaries_and_a_lone_cr_stays() {
        let input = b"a\r\nb\rc\r\n\r\nd\re";
        for size in 1..8 {
            assert_eq!(
                through(input, size),
                b"a\nb\rc\n\nd\re\n",
                "reads of {size}"
            );
        }
    }

    #[test]
    fn the_text_ends_with_one_line_feed_whatever_it_ended_with() {
        for size in 1..4 {
            assert_eq!(through(b"a\r\n", size), b"a\n");
            assert_eq!(through(b"a\n", size), b"a\n");
            assert_eq!(through(b"a", size), b"a\n");
            assert_eq!(through(b"", size), b"");
        }
    }
}
