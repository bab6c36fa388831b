/* Exact Chinese substring search for disclosure notices. Plain ES2017, no framework, no build step.
 *
 * Mounts into every [data-search-app] element. Index files live next to this script (search/…),
 * so the site works from any subfolder; data-index-url / data-site-root on the mount element override.
 * A query word matches an item when the item's normalised text contains it (as typed, or with
 * traditional characters mapped to simplified); several words must all match. The index format is
 * described in src/disclosure/search/index.py; normalize() below mirrors normalize.py exactly.
 * Data is only ever put into the page with textContent / createTextNode — never innerHTML.
 */
(function () {
  'use strict';

  const SCRIPT_URL = document.currentScript ? document.currentScript.src : document.baseURI;

  // ---------------------------------------------------------------- normalisation (mirror of normalize.py)
  const WHITESPACE = new Set(Array.from(
    '\u0009\u000a\u000b\u000c\u000d\u0020\u0085\u00a0\u1680' +
    '\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u200b' +
    '\u2028\u2029\u202f\u205f\u3000\ufeff'));
  const FULLWIDTH_FIRST = 0xFF01, FULLWIDTH_LAST = 0xFF5E, FULLWIDTH_OFFSET = 0xFEE0;
  const SEP = '\n';  // joins fields; normalisation drops it, so no query word can span two fields

  /** Fold one code point: whitespace -> '', full-width ASCII -> ASCII, A-Z -> a-z. */
  function foldChar(ch) {
    if (WHITESPACE.has(ch)) return '';
    let code = ch.codePointAt(0);
    if (code >= FULLWIDTH_FIRST && code <= FULLWIDTH_LAST) code -= FULLWIDTH_OFFSET;
    if (code >= 0x41 && code <= 0x5A) code += 0x20;
    return String.fromCodePoint(code);
  }

  function normalize(text) {
    let out = '';
    for (const ch of text) out += foldChar(ch);
    return out;
  }

  /** Normalised text plus, per UTF-16 unit of it, the [start, end) units of the original character. */
  function normalizeWithOrigin(text) {
    let out = '';
    const starts = [], ends = [];
    let at = 0;
    for (const ch of text) {
      const folded = foldChar(ch);
      for (let k = 0; k < folded.length; k++) { starts.push(at); ends.push(at + ch.length); }
      out += folded;
      at += ch.length;
    }
    return { text: out, starts, ends };
  }

  function queryWords(query) {
    const words = [];
    let current = '';
    for (const ch of query) {
      if (WHITESPACE.has(ch)) { if (current) words.push(current); current = ''; }
      else current += foldChar(ch);
    }
    if (current) words.push(current);
    return words;
  }

  /** As typed, plus the traditional->simplified form when it differs (see normalize.word_variants). */
  function wordVariants(word, tradMap) {
    let simplified = '';
    for (const ch of word) simplified += tradMap.get(ch) || ch;
    return simplified === word ? [word] : [word, simplified];
  }

  // Searchable text of one item — the same fields, order and joins as index.searchable_text.
  function searchableText(doc) {
    const head = [doc.heading || '', doc.finding || ''].map(normalize).join(SEP);
    const rest = [doc.label || ''].concat(doc.responsible || [], doc.measures || [], [doc.status_text || ''])
      .map(normalize).join(SEP);
    return { text: head + SEP + rest, headEnd: head.length };
  }

  // 32-bit FNV-1a over code points, like index.fnv1a: decides which shard holds a gram.
  function fnv1a(text) {
    let h = 0x811C9DC5;
    for (const ch of text) { h ^= ch.codePointAt(0); h = Math.imul(h, 0x01000193) >>> 0; }
    return h >>> 0;
  }

  // ---------------------------------------------------------------- index access
  /** Reads meta.json, then either one bundle (small sites, scanned) or shards + cards + docs on demand. */
  class SearchIndex {
    constructor(baseUrl, meta) {
      this.baseUrl = baseUrl;
      this.meta = meta;
      this.files = new Map();      // path -> Promise of parsed JSON; a file is fetched once per page
      this.postings = new Map();   // gram -> decoded posting
      this.cards = new Map();      // ordinal -> card (index.CARD_FIELDS) from cards.json and every loaded shard
      this.loaded = new Map();     // ordinal -> doc, once fetched
      const pairs = Array.from(meta.trad);
      this.tradMap = new Map();
      for (let i = 0; i + 1 < pairs.length; i += 2) this.tradMap.set(pairs[i], pairs[i + 1]);
      this.texts = null;           // bundle mode: searchable text per item
    }

    static async open(baseUrl) {
      const meta = await fetchJson(new URL('meta.json', baseUrl));
      const index = new SearchIndex(baseUrl, meta);
      if (meta.bundle) {
        const bundle = await index.file(meta.bundle);
        index.docs = bundle.docs;
        index.texts = bundle.docs.map(searchableText);
      } else if (meta.cards) {
        index.commonCards();  // the first items' cards: on the way while the first query's shards load
      }
      return index;
    }

    /** A file's parsed JSON (after `use`, which runs once), fetched once per page; a failed fetch
     *  (offline) is forgotten, so it may be retried later. */
    file(path, use) {
      if (!this.files.has(path)) {
        const fetched = fetchJson(new URL(path, this.baseUrl));
        const pending = use ? fetched.then(use) : fetched;
        pending.catch(() => this.files.delete(path));
        this.files.set(path, pending);
      }
      return this.files.get(path);
    }

    addCards(cards) {
      for (const key of Object.keys(cards || {})) this.cards.set(Number(key), cards[key]);
    }

    commonCards() {
      return this.file(this.meta.cards, cards => { this.addCards(cards); return true; });
    }

    shard(h) {
      return this.file('shards/' + h + '.json', shard => { this.addCards(shard.cards); return shard.grams; });
    }

    /** What a result card shows of an item, from its meta.json columns. */
    facts(ordinal) {
      const m = this.meta, f = m.facets;
      const at = facet => facet.column[ordinal];
      return {
        notice: m.notices.values[at(m.notices)], issued: m.notices.issued[at(m.notices)],
        unit: f.unit.labels[at(f.unit)], status: f.status.labels[at(f.status)],
        deadline: m.deadline.values[at(m.deadline)], overdue: f.overdue.values[at(f.overdue)] === '1',
      };
    }

    /** The item's doc if at hand, else its card (heading, finding… but no measures), else null. */
    known(ordinal) {
      if (this.docs) return this.docs[ordinal];
      if (this.loaded.has(ordinal)) return this.loaded.get(ordinal);
      const c = this.cards.get(ordinal);
      return c ? { id: c[0], label: c[1], heading: c[2], url: c[3], finding: c[4] } : null;
    }

    /** Whether showing this item needs its docs file: no card for it is loaded or on the way, or
     *  its snippet comes from the measures (then the card is shown first, the snippet when it comes). */
    needsDoc(ordinal, words) {
      const item = this.known(ordinal);
      if (item) return snippet(item, words) === null;
      return !(ordinal < this.meta.common_cards && this.files.has(this.meta.cards));
    }

    /** What the cards of these items show: a card (or doc) per item, fetching docs only for items
     *  with no card in the loaded shards or cards.json. */
    async display(ordinals) {
      if (!this.docs && this.meta.cards && ordinals.some(o => o < this.meta.common_cards)) {
        await this.commonCards().catch(() => {});  // unreachable: those items' docs are asked for instead
      }
      return Promise.all(ordinals.map(o => this.known(o) || this.doc(o)));
    }

    /** Map ordinal -> true if the word occurs in heading/finding, for items containing the word. */
    async matchWord(word) {
      const hits = new Map();
      for (const variant of wordVariants(word, this.tradMap)) {
        const found = this.texts ? this.scan(variant) : await this.lookup(variant);
        for (const [ordinal, inHead] of found) hits.set(ordinal, hits.get(ordinal) || inHead);
      }
      return hits;
    }

    scan(word) {
      const found = new Map();
      this.texts.forEach((t, ordinal) => {
        const at = t.text.indexOf(word);  // the head comes first, so the first hit decides the tier
        if (at >= 0) found.set(ordinal, at < t.headEnd);
      });
      return found;
    }

    async gram(gram) {
      if (!this.postings.has(gram)) {
        const grams = await this.shard(fnv1a(gram) % this.meta.shard_count);
        const raw = grams[gram] || [];
        this.postings.set(gram, Array.from(gram).length === 1 ? decodeUnigram(raw) : decodeBigram(raw));
      }
      return this.postings.get(gram);
    }

    async lookup(word) {
      const chars = Array.from(word);
      if (chars.length === 1) return this.gram(word);
      const grams = [];
      // Bigrams at offsets 0, 2, 4 ... and the last one cover every character of the word, which is all an
      // exact positional match needs: fewer shards to fetch than one bigram per offset (5 chars: 3, not 4).
      const offsets = [];
      for (let k = 0; k + 1 < chars.length; k += 2) offsets.push(k);
      if (offsets[offsets.length - 1] !== chars.length - 2) offsets.push(chars.length - 2);
      for (const k of offsets) grams.push({ offset: k, gram: chars[k] + chars[k + 1] });
      const lists = await Promise.all(grams.map(g => this.gram(g.gram)));
      return matchPositions(grams.map((g, i) => ({ offset: g.offset, posting: lists[i] })),
        this.meta.head_end);
    }

    async doc(ordinal) {
      if (this.docs) return this.docs[ordinal];
      const size = this.meta.docs_per_chunk;
      const chunk = await this.file('docs/' + Math.floor(ordinal / size) + '.json');
      this.loaded.set(ordinal, chunk[ordinal % size]);
      return chunk[ordinal % size];
    }
  }

  async function fetchJson(url) {
    const response = await fetch(url, { credentials: 'same-origin' });
    if (!response.ok) throw new Error(response.status + ' ' + url);
    return response.json();
  }

  // Unigram postings: (ordinal delta * 2 + in-head flag) per item.
  function decodeUnigram(raw) {
    const found = new Map();
    let ordinal = 0;
    for (const v of raw) { ordinal += v >> 1; found.set(ordinal, (v & 1) === 1); }
    return found;
  }

  // Bigram postings: ordinal delta, then position deltas; the item's last delta d is stored as ~d.
  // Decoded into three flat typed arrays (no object per item: a common bigram occurs in every one of
  // 40,000 items): ordinals ascending, and item k's positions at pos[start[k]] .. pos[start[k + 1] - 1].
  function decodeBigram(raw) {
    let items = 0;
    for (let i = 0, first = true; i < raw.length; i++) {
      if (first) { items++; first = false; continue; }
      if (raw[i] < 0) first = true;
    }
    const ord = new Int32Array(items), start = new Int32Array(items + 1), pos = new Int32Array(raw.length - items);
    let i = 0, ordinal = 0, n = 0, k = 0;
    while (i < raw.length) {
      ordinal += raw[i++];
      ord[k] = ordinal;
      start[k++] = n;
      let position = 0;
      for (;;) {
        const v = raw[i++];
        position += v < 0 ? ~v : v;
        pos[n++] = position;
        if (v < 0) break;
      }
    }
    start[k] = n;
    return { size: items, ord, start, pos };
  }

  function containsIn(pos, lo, hi, value) {  // binary search in the ascending pos[lo .. hi - 1]
    hi -= 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (pos[mid] === value) return true;
      if (pos[mid] < value) lo = mid + 1; else hi = mid - 1;
    }
    return false;
  }

  /** Items where bigram k of the word sits at start+k for every k: an exact substring match.
   *  Ordinals ascend in every posting, so the bigrams are merge-joined, driven by the rarest. */
  function matchPositions(parts, headEnd) {
    const found = new Map();
    if (parts.some(p => p.posting.size === 0)) return found;
    parts.sort((a, b) => a.posting.size - b.posting.size);
    const [driver, ...others] = parts;
    const d = driver.posting;
    const at = new Int32Array(others.length);  // each other posting's cursor
    items: for (let i = 0; i < d.size; i++) {
      const ordinal = d.ord[i];
      for (let k = 0; k < others.length; k++) {
        const o = others[k].posting;
        let j = at[k];
        while (j < o.size && o.ord[j] < ordinal) j++;
        at[k] = j;
        if (j === o.size) break items;  // no later item can hold every bigram
        if (o.ord[j] !== ordinal) continue items;
      }
      for (let q = d.start[i]; q < d.start[i + 1]; q++) {
        const begin = d.pos[q] - driver.offset;
        let all = true;
        for (let k = 0; k < others.length && all; k++) {
          const o = others[k].posting, j = at[k];
          all = containsIn(o.pos, o.start[j], o.start[j + 1], begin + others[k].offset);
        }
        if (all) {
          found.set(ordinal, begin < headEnd[ordinal]);  // positions ascend: the first start decides the tier
          break;
        }
      }
    }
    return found;
  }

  // ---------------------------------------------------------------- query state and the URL
  const FACETS = [
    { key: 'status', title: '整改状态' },
    { key: 'overdue', title: '是否超期' },
    { key: 'year', title: '整改时限（年份）' },
    { key: 'category', title: '问题类别' },
    { key: 'unit', title: '被巡视（巡察）单位' },
    { key: 'round', title: '轮次' },
  ];
  // A facet with more values than this (a portal's units, categories) shows its top values by count
  // and a box to type part of a name; counts stay exact over every value.
  const FACET_TOP = 8;

  function stateFromUrl(href) {
    const params = new URL(href).searchParams;
    const filters = {};
    for (const f of FACETS) filters[f.key] = new Set(params.getAll(f.key));
    return { q: params.get('q') || '', filters };
  }

  function urlFromState(state, href) {
    const url = new URL(href);
    const params = new URLSearchParams();
    if (state.q) params.set('q', state.q);
    for (const f of FACETS) for (const v of Array.from(state.filters[f.key]).sort()) params.append(f.key, v);
    url.search = params.toString();
    return url.toString();
  }

  // ---------------------------------------------------------------- search
  /** All matching ordinals with a score (words hitting heading/finding), best first. */
  async function runQuery(index, q) {
    const words = queryWords(q);
    if (words.length === 0) {
      return Array.from({ length: index.meta.count }, (_, ordinal) => ({ ordinal, score: 0 }));
    }
    const perWord = await Promise.all(words.map(w => index.matchWord(w)));
    const [first, ...rest] = perWord.sort((a, b) => a.size - b.size);
    const ordinals = [], scores = [];
    let ascending = true;
    for (const [ordinal, inHead] of first) {
      if (!rest.every(m => m.has(ordinal))) continue;
      if (ordinals.length && ordinal < ordinals[ordinals.length - 1]) ascending = false;
      ordinals.push(ordinal);
      scores.push((inHead ? 1 : 0) + rest.reduce((s, m) => s + (m.get(ordinal) ? 1 : 0), 0));
    }
    // best score first, then notice order: a stable pass per score over the ordinals in ascending order
    // (postings are ascending already unless several spellings were merged; 40,000 hits sort in no time)
    let order = ordinals.map((_, i) => i);
    if (!ascending) order.sort((a, b) => ordinals[a] - ordinals[b]);
    const results = [];
    for (let score = words.length; score >= 0; score--) {
      for (const i of order) if (scores[i] === score) results.push({ ordinal: ordinals[i], score });
    }
    return results;
  }

  function passes(facets, ordinal, filters, skipKey) {
    for (const f of FACETS) {
      if (f.key === skipKey || filters[f.key].size === 0) continue;
      const facet = facets[f.key];
      if (!filters[f.key].has(facet.values[facet.column[ordinal]])) return false;
    }
    return true;
  }

  /** Counts per value of each facet over the query's matches, filtered by the OTHER facets. */
  function facetCounts(facets, matches, filters) {
    const counts = {};
    for (const f of FACETS) {
      const facet = facets[f.key];
      const c = new Array(facet.values.length).fill(0);
      const column = facet.column;
      const filtered = FACETS.some(g => g.key !== f.key && filters[g.key].size > 0);
      if (filtered) {
        for (const m of matches) if (passes(facets, m.ordinal, filters, f.key)) c[column[m.ordinal]]++;
      } else {
        for (const m of matches) c[column[m.ordinal]]++;  // no other facet narrows: count every match
      }
      counts[f.key] = c;
    }
    return counts;
  }

  // ---------------------------------------------------------------- rendering (DOM only, no innerHTML)
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === false || v === null || v === undefined) continue;
      node.setAttribute(k, v === true ? '' : v);
    }
    for (const child of children) node.append(child);
    return node;
  }

  /** Append text to parent with every occurrence of any variant of any word wrapped in <mark>. */
  function appendHighlighted(parent, text, variants) {
    const norm = normalizeWithOrigin(text);
    const ranges = [];
    for (const v of variants) {
      for (let at = norm.text.indexOf(v); at >= 0; at = norm.text.indexOf(v, at + 1)) {
        ranges.push([norm.starts[at], norm.ends[at + v.length - 1]]);
      }
    }
    ranges.sort((a, b) => a[0] - b[0]);
    let cursor = 0;
    for (const [start, end] of ranges) {
      if (end <= cursor) continue;
      const from = Math.max(start, cursor);
      parent.append(document.createTextNode(text.slice(cursor, from)));
      parent.append(el('mark', {}, text.slice(from, end)));
      cursor = end;
    }
    parent.append(document.createTextNode(text.slice(cursor)));
  }

  const SNIPPET_BEFORE = 30, SNIPPET_AFTER = 90;

  /** The text around the first hit in a field, or null without one. */
  function around(field, variants) {
    const norm = normalizeWithOrigin(field);
    let first = -1;
    for (const v of variants) {
      const at = norm.text.indexOf(v);
      if (at >= 0 && (first < 0 || at < first)) first = at;
    }
    if (first < 0) return null;
    const center = norm.starts[first];
    const start = Math.max(0, center - SNIPPET_BEFORE), end = Math.min(field.length, center + SNIPPET_AFTER);
    return (start > 0 ? '…' : '') + field.slice(start, end) + (end < field.length ? '…' : '');
  }

  /** The text under a card's heading (words: each query word's variants). The finding around its
   *  first hit; else, when the card's title (label, heading) shows every word, the finding's start;
   *  else the first body field (measures, status line, responsible units) with a hit. null when that
   *  takes the measures and `item` is a card, which does not carry them (its docs file does). */
  function snippet(item, words) {
    const variants = [].concat(...words);
    const finding = item.finding || '';
    const inFinding = around(finding, variants);
    if (inFinding !== null) return inFinding;
    const label = normalize(item.label || ''), heading = normalize(item.heading || '');
    if (!words.every(vs => vs.some(v => heading.includes(v) || label.includes(v)))) {
      if (item.measures === undefined) return null;
      for (const field of [].concat(item.measures || [], [item.status_text || ''], item.responsible || [])) {
        const text = around(field, variants);
        if (text !== null) return text;
      }
    }
    return finding.length > SNIPPET_AFTER ? finding.slice(0, SNIPPET_AFTER) + '…' : finding;
  }

  function monthText(yyyymm) {
    if (!yyyymm) return '无明确时限';
    const [y, m] = yyyymm.split('-');
    return Number(y) + '年' + Number(m) + '月';
  }

  function dateText(iso) {  // 2019-08-12 -> 2019年8月12日, the site's date style (model.date_text)
    const [y, m, d] = (iso || '').split('-');
    return d ? Number(y) + '年' + Number(m) + '月' + Number(d) + '日' : '';
  }

  /** Whose result it is: the inspected unit (else the issuer) and the notice's date. */
  function sourceText(facts) {
    const date = dateText(facts.issued);
    return [facts.unit, date && date + ' 通报'].filter(Boolean).join(' · ');
  }

  /** One result card. snippetText null: an empty snippet (data-snippet-pending), filled by renderPage
   *  when the item's docs file arrives. */
  function resultCard(item, facts, words, snippetText, siteRoot) {
    const variants = [].concat(...words);
    const heading = el('a', { href: new URL(item.url, siteRoot).toString(), class: 'search-result__link' });
    heading.append(el('span', { class: 'search-result__label' }, item.label || ''), ' ');
    appendHighlighted(heading, item.heading || '', variants);
    const source = el('p', { class: 'search-result__source', 'data-result-source': true }, sourceText(facts));
    const status = el('p', { class: 'search-result__status' },
      '状态：' + facts.status + '　整改时限：' + monthText(facts.deadline));
    if (facts.overdue) status.append('　', el('strong', { class: 'search-result__overdue' }, '已超期'));
    const text = el('p', { class: 'search-result__snippet', 'data-snippet-pending': snippetText === null });
    if (snippetText !== null) appendHighlighted(text, snippetText, variants);
    return el('li', { class: 'search-result', 'data-item-id': item.id, 'data-notice': facts.notice },
      el('h3', { class: 'search-result__heading' }, heading), source, status, text);
  }

  // ---------------------------------------------------------------- the app
  class SearchApp {
    constructor(root) {
      this.root = root;
      this.indexUrl = new URL(root.dataset.indexUrl || './', root.dataset.indexUrl ? document.baseURI : SCRIPT_URL);
      this.siteRoot = root.dataset.siteRoot ? new URL(root.dataset.siteRoot, document.baseURI)
        : new URL('../', this.indexUrl);
      this.pageSize = Number(root.dataset.pageSize) || 0;  // 0: the index's page size (meta.json: 20), whose cards the shards carry
      this.serial = 0;
      this.state = stateFromUrl(location.href);
      this.buildSkeleton();
    }

    buildSkeleton() {
      const id = 'search-q-' + Math.random().toString(36).slice(2, 8);
      this.input = el('input', { type: 'search', id, name: 'q', autocomplete: 'off', 'data-search-input': true });
      this.form = el('form', { role: 'search', class: 'search-form', action: '' },
        el('label', { for: id }, '搜索整改事项（可输入村、学校、单位等关键词，多个词用空格分开）'), ' ',
        this.input, ' ', el('button', { type: 'submit' }, '搜索'));
      this.status = el('p', { class: 'search-status', role: 'status', 'aria-live': 'polite' });
      // Phone first (issue 28): under 768 px the facets sit behind this button, closed, so the results
      // come right after the count; the stylesheet hides the button (and always shows the facets) on
      // wider screens. A native button: Enter and Space open and close it.
      const facetId = 'search-facets-' + Math.random().toString(36).slice(2, 8);
      this.facetCount = el('span', { class: 'search-facets-toggle__count', 'data-facets-active': '0' });
      this.toggleButton = el('button', { type: 'button', class: 'search-facets-toggle', 'data-facets-toggle': true,
        'aria-expanded': 'false', 'aria-controls': facetId, hidden: true }, '筛选', this.facetCount);
      this.facetBox = el('div', { class: 'search-facets', id: facetId, 'data-search-facets': true });
      this.root.dataset.facetsOpen = 'false';
      this.list = el('ol', { class: 'search-results', 'data-search-results': true });
      this.more = el('button', { type: 'button', class: 'search-more', hidden: true }, '显示更多结果');
      this.root.replaceChildren(this.form, el('div', { class: 'search-bar' }, this.status, this.toggleButton),
        this.facetBox, this.list, this.more);
      this.toggleButton.addEventListener('click', () => this.openFacets(this.root.dataset.facetsOpen !== 'true'));

      this.form.addEventListener('submit', e => {
        e.preventDefault();
        clearTimeout(this.typing);  // the pending as-you-type search would only repeat this one
        this.update({ q: this.input.value }, 'push');
      });
      this.input.addEventListener('input', () => {
        clearTimeout(this.typing);
        this.typing = setTimeout(() => this.update({ q: this.input.value }, 'replace'), 250);
      });
      this.more.addEventListener('click', () => { this.shown += this.pageSize; this.renderPage(); });
      window.addEventListener('popstate', () => this.load(stateFromUrl(location.href)));
    }

    async start() {
      this.status.textContent = '正在加载搜索索引…';
      try {
        this.index = await SearchIndex.open(this.indexUrl);
      } catch (err) {
        this.status.textContent = '搜索索引加载失败，请检查网络后刷新页面。';
        return;
      }
      this.pageSize = this.pageSize || this.index.meta.page_size || 20;
      await this.load(this.state);
    }

    /** Change the query or filters; 'push' makes a history entry (back button), 'replace' does not. */
    update(change, how) {
      const state = Object.assign({}, this.state, change);
      const url = urlFromState(state, location.href);
      if (how === 'push') history.pushState(null, '', url); else history.replaceState(null, '', url);
      return this.load(state);
    }

    async load(state) {
      this.state = state;
      if (!this.index) return;  // still loading: start() runs the latest state when the index arrives
      if (document.activeElement !== this.input || this.input.value !== state.q) this.input.value = state.q;
      const serial = ++this.serial;  // a slower earlier query must not overwrite a later one
      let matches;
      try {
        matches = await runQuery(this.index, state.q);
      } catch (err) {
        if (serial === this.serial) this.showFailure();
        return;
      }
      if (serial !== this.serial) return;
      const facets = this.index.meta.facets;
      this.filtered = matches.filter(m => passes(facets, m.ordinal, state.filters, null));
      this.shown = this.pageSize;
      this.words = queryWords(state.q).map(w => wordVariants(w, this.index.tradMap));
      // the few docs files the first page needs (cards not in the loaded shards or cards.json, or a
      // snippet from the measures): asked for now, so their round trip overlaps the facet counting below
      for (const m of this.filtered.slice(0, this.shown)) {
        if (this.index.needsDoc(m.ordinal, this.words)) this.index.doc(m.ordinal).catch(() => {});
      }
      this.renderFacets(facetCounts(facets, matches, state.filters));
      await this.renderPage(serial);
    }

    showFailure() {
      // never show a count that may be wrong: without every needed index file there is no true answer
      this.status.textContent = '部分搜索索引文件无法加载（可能已离线），请联网后重试。';
      this.list.replaceChildren();
      this.root.dataset.searchState = 'error';
    }

    async renderPage(serial = this.serial) {
      const page = this.filtered.slice(0, this.shown);
      const words = this.words;
      let items;
      try {
        items = await this.index.display(page.map(m => m.ordinal));
      } catch (err) {
        if (serial === this.serial) this.showFailure();
        return;
      }
      if (serial !== this.serial) return;
      const pending = [];
      this.list.replaceChildren(...items.map((item, i) => {
        const text = snippet(item, words);
        const card = resultCard(item, this.index.facts(page[i].ordinal), words, text, this.siteRoot);
        if (text === null) pending.push({ ordinal: page[i].ordinal, item, card });
        return card;
      }));
      const count = el('span', { 'data-result-count': true }, String(this.filtered.length));
      this.status.replaceChildren('共 ', count, ' 项' + (this.state.q ? '包含“' + this.state.q.trim() + '”' : ''));
      this.more.hidden = this.filtered.length <= this.shown;
      this.root.dataset.searchState = 'ready';
      this.renderedAt = performance.now();  // the page's cards are on screen (the benchmark reads it)
      this.root.dispatchEvent(new CustomEvent('search:rendered', { detail: { count: this.filtered.length } }));
      // snippets from the measures: each card's docs file (already asked for by load()), filled in place
      await Promise.all(pending.map(async p => {
        let doc = null;
        try { doc = await this.index.doc(p.ordinal); } catch (err) { /* offline: the finding's start */ }
        if (serial !== this.serial) return;
        const box = p.card.querySelector('.search-result__snippet');
        const variants = [].concat(...words);
        appendHighlighted(box, doc ? snippet(doc, words) : snippet(p.item, []), variants);
        box.removeAttribute('data-snippet-pending');
      }));
    }

    /** Open or close the facets behind the 筛选 button (phones; wider screens always show them). */
    openFacets(open) {
      this.root.dataset.facetsOpen = open ? 'true' : 'false';
      this.toggleButton.setAttribute('aria-expanded', open ? 'true' : 'false');
    }

    /** The button says how many filters are on: 筛选, 筛选(2). */
    showActiveFilters() {
      let active = 0;
      for (const f of FACETS) active += this.state.filters[f.key].size;
      this.facetCount.textContent = active ? '(' + active + ')' : '';
      this.facetCount.dataset.facetsActive = String(active);
    }

    renderFacets(counts) {
      this.counts = counts;
      this.facetText = this.facetText || {};
      const facets = this.index.meta.facets;
      const groups = [];
      for (const f of FACETS) {
        const facet = facets[f.key];
        if (facet.values.length < 2) continue;  // one value only: nothing to choose
        const chosen = this.state.filters[f.key];
        let options = facet.values.map((value, i) => ({ value, i, count: counts[f.key][i], checked: chosen.has(value) }))
          .filter(o => o.count > 0 || o.checked);
        const many = options.length > FACET_TOP;
        const fieldset = el('fieldset', { class: 'search-facet', 'data-facet': f.key }, el('legend', {}, f.title));
        if (many) {
          // the top values by count (checked ones always shown), narrowed by what is typed
          const typed = (this.facetText[f.key] || '').trim();
          const box = el('input', { type: 'search', class: 'search-facet__filter', name: 'facet-filter-' + f.key,
            'data-facet-filter': f.key, 'aria-label': '输入文字查找' + f.title, placeholder: '输入文字查找' + f.title,
            autocomplete: 'off' });
          box.value = typed;
          box.addEventListener('input', () => { this.facetText[f.key] = box.value; this.renderFacets(this.counts); });
          fieldset.append(box);
          const all = options.length;
          const matching = options.filter(o => o.checked || !typed || facet.labels[o.i].includes(typed));
          // by count, never by being checked: an option keeps its place when it is checked (moving the
          // checked one to the front put another unit under the pointer, and a second click checked
          // that one too). The counts of a facet do not depend on its own choices (facetCounts), so
          // checking or unchecking one leaves the order as it was. A checked option outside the top
          // values stays shown, in its place by count.
          matching.sort((a, b) => (b.count - a.count) || (a.i - b.i));
          options = matching.filter((o, rank) => rank < FACET_TOP || o.checked);
          fieldset.append(el('p', { class: 'search-facet__more', 'data-facet-shown': String(options.length),
            'data-facet-all': String(all) },
            typed ? '含“' + typed + '”的共 ' + matching.length + ' 个，显示 ' + options.length + ' 个'
              : '共 ' + all + ' 个，按事项数显示前 ' + Math.min(FACET_TOP, all) + ' 个' +
                (options.length > FACET_TOP ? '和已选的 ' + (options.length - FACET_TOP) + ' 个' : '') +
                '；输入文字可查找其余的'));
        }
        for (const o of options) {
          const box = el('input', { type: 'checkbox', name: f.key, value: o.value, checked: o.checked, 'data-facet-value': o.value });
          box.checked = o.checked;
          box.addEventListener('change', () => this.toggle(f.key, o.value, box.checked));
          fieldset.append(el('label', { class: 'search-facet__option' }, box, ' ' + facet.labels[o.i] + ' ',
            el('span', { class: 'search-facet__count', 'data-facet-count': true }, '(' + o.count + ')')));
        }
        groups.push(fieldset);
      }
      this.toggleButton.hidden = groups.length === 0;  // nothing to choose: no button
      this.showActiveFilters();
      // keep keyboard focus (and the caret of a facet's text box) on the same control across the re-render
      const active = document.activeElement;
      const focused = active && this.facetBox.contains(active) ? [active.name, active.type === 'search' ? null : active.value] : null;
      this.facetBox.replaceChildren(...groups);
      if (focused) {
        for (const box of this.facetBox.querySelectorAll('input')) {
          if (box.name === focused[0] && (focused[1] === null || box.value === focused[1])) {
            box.focus();
            if (focused[1] === null) box.setSelectionRange(box.value.length, box.value.length);
          }
        }
      }
    }

    toggle(key, value, on) {
      const filters = {};
      for (const f of FACETS) filters[f.key] = new Set(this.state.filters[f.key]);
      if (on) filters[key].add(value); else filters[key].delete(value);
      return this.update({ filters }, 'push');
    }

    /** For tests and the benchmark: run a query exactly as typing + submitting would. */
    search(q) { this.input.value = q; return this.update({ q }, 'push'); }
  }

  const api = { normalize, queryWords, wordVariants, fnv1a, dateText, apps: [] };
  window.disclosureSearch = api;

  function mountAll() {
    for (const root of document.querySelectorAll('[data-search-app]')) {
      const app = new SearchApp(root);
      api.apps.push(app);
      api.ready = app.start();
    }
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', mountAll);
  else mountAll();
})();
