import { XMLParser, XMLValidator } from 'fast-xml-parser';
import type { OutputColumn } from './output-columns';
import { XmlWriter } from './xml-writer';

const column = (name: string, type: OutputColumn['type']): OutputColumn => ({ name, type, json: name, text: name });
const columns = [column('id', 'string'), column('title', 'string'), column('responsibilities', 'responsibilities')];

function xml(rows: unknown[][]): string {
  const writer = new XmlWriter();
  return writer.begin() + writer.beginEntity('notes', columns) + writer.rows(rows) + writer.endEntity() + writer.end({ cost: 1, remaining: 9 });
}

// htmlEntities: fast-xml-parser decodes character references (&#13;) only with it.
const parser = new XMLParser({ ignoreAttributes: false, trimValues: false, htmlEntities: true, isArray: (name) => name === 'record' || name === 'responsibility' });

describe('XmlWriter', () => {
  it('writes text and attributes that a parser gives back as stored, carriage returns, line breaks and tabs included', () => {
    const titles = ['cr\rhere', 'crlf\r\nthere', 'lf\nand\ttab', '<&> "quoted"'];
    const owner = JSON.stringify([{ userId: 'u\r1', role: 'line\nbreak\ttab' }]);
    const text = xml(titles.map((title, i) => [`n${i}`, title, owner]));
    // A conforming parser reads any raw carriage return as a line feed (XML 1.0, 2.11).
    expect(text).not.toContain('\r');
    const parsed = parser.parse(text);
    const records = parsed.response.data.notes.record as { title: string; responsibilities: { responsibility: Record<string, string>[] } }[];
    expect(records.map((r) => r.title)).toEqual(titles);
    expect(records[0].responsibilities.responsibility).toEqual([{ '@_userId': 'u\r1', '@_role': 'line\nbreak\ttab' }]);
  });

  it('leaves out characters XML cannot carry', () => {
    const parsed = parser.parse(xml([['n1', 'bell\u0007 and \u0001 marks', '[]']]));
    expect(parsed.response.data.notes.record[0].title).toBe('bell and  marks');
  });

  it('writes an attribute whose value is "true" with its value, so the document stays well formed', () => {
    const text = xml([['n1', 'true', JSON.stringify([{ userId: 'true', role: 'true' }])]]);
    expect(XMLValidator.validate(text)).toBe(true);
    const record = parser.parse(text).response.data.notes.record[0];
    expect(record.responsibilities.responsibility).toEqual([{ '@_userId': 'true', '@_role': 'true' }]);
  });
});
