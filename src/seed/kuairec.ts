import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseCsv } from '../modules/commerce/csv.ts';

export const KUAIREC_ATTRIBUTION =
  'Title and synopsis from the KuaiRec data set (Gao et al., CIKM 2022), CC BY-SA 4.0; this demo series is shared under the same licence.';

export interface DramaRow {
  videoId: string;
  title: string;
  synopsis: string;
  genre: string | null;
  tags: string[];
}

const FIXTURE = fileURLToPath(new URL('../../fixtures/kuairec/short_drama_demo.csv', import.meta.url));

/** Drops hashtags and @-mentions (which carry people's account ids) from a caption. */
export function cleanCaption(caption: string): string {
  return caption
    .replace(/@[^\s(（]*[(（]O\d+[)）]/g, '')
    .replace(/@\S+/g, '')
    .replace(/#[^#\s]+#?/g, '')
    .replace(/男主|女主/g, '')
    .replace(/[：:]\s*$/g, '')
    .replace(/\s+/g, ' ')
    .trim();
}

function cleanTitle(coverText: string): string {
  return coverText.replace(/^第[一二三四五六七八九十\d]+集\s*/, '').trim();
}

/**
 * KuaiRec's CSV as records keyed by the header. Captions may hold bare carriage returns, which the
 * RFC 4180 parser would read as record ends: they become spaces first (CRLF stays a line end).
 */
export function parseKuaiRecCsv(text: string): Record<string, string>[] {
  const { header, records } = parseCsv(text.replace(/\r\n/g, '\n').replace(/\r/g, ' '));
  return records.map(({ cells }) => Object.fromEntries(header.map((name, index) => [name, cells[index] ?? ''])));
}

export function loadDemoDramaRows(path = FIXTURE): DramaRow[] {
  return parseKuaiRecCsv(readFileSync(path, 'utf8'))
    .filter((row) => row.first_level_category_name === '短剧')
    .map((row) => {
      const topicTags = (row.topic_tag ?? '').replace(/^\[|\]$/g, '').split(',').map((t) => t.trim()).filter(Boolean);
      const genre = row.second_level_category_name && row.second_level_category_name !== 'UNKNOWN' ? row.second_level_category_name : null;
      return {
        videoId: row.video_id ?? '',
        title: cleanTitle(row.manual_cover_text ?? ''),
        synopsis: cleanCaption(row.caption ?? ''),
        genre,
        tags: [...(genre ? [genre] : ['短剧']), ...topicTags.filter((t) => !/快手|热门|推广|计划/.test(t))].slice(0, 4),
      };
    });
}
