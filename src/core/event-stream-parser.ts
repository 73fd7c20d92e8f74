// Server-sent events (the text/event-stream format) cut out of a stream's pieces of text:
// an event is its lines up to a blank line; `event:` names it, `data:` lines are its data
// (joined by newlines), lines starting with ':' are comments (a server's keep-alive pings).

export interface StreamEvent {
  event: string;
  data: string;
}

export class EventStreamParser {
  private rest = '';

  /** the events completed by this piece of text (a piece may end mid-line or mid-event) */
  push(text: string): StreamEvent[] {
    this.rest += text.replace(/\r\n?/g, '\n');
    const out: StreamEvent[] = [];
    let end: number;
    while ((end = this.rest.indexOf('\n\n')) >= 0) {
      const block = this.rest.slice(0, end);
      this.rest = this.rest.slice(end + 2);
      const e = parseBlock(block);
      if (e) out.push(e);
    }
    return out;
  }
}

function parseBlock(block: string): StreamEvent | undefined {
  let event = 'message';
  const data: string[] = [];
  for (const line of block.split('\n')) {
    if (line === '' || line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') event = value;
    else if (field === 'data') data.push(value);
  }
  return data.length === 0 ? undefined : { event, data: data.join('\n') };
}
