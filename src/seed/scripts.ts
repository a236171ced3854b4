/**
 * Episode titles and subtitle lines for the demo series (our own writing). The series titles and
 * synopses come from KuaiRec rows (see kuairec.ts); these scripts are keyed by the row's video id.
 */
export interface SceneLine {
  zh: string;
  en: string;
}

export interface EpisodeScript {
  title: { zh: string; en: string };
  lines: SceneLine[];
}

export interface SeriesScript {
  videoId: string;
  englishTitle: string;
  /** Background colours of the scenes, so each series has its own look. */
  palette: string[];
  freeEpisodes: number;
  priceCoins: number;
  /** Coins for the whole series, or null for no bundle. */
  bundlePriceCoins: number | null;
  inVip: boolean;
  adUnlock: boolean;
  episodes: EpisodeScript[];
}

export const DEMO_SCRIPTS: SeriesScript[] = [
  {
    videoId: '6325',
    englishTitle: 'The River God Takes a Bride',
    palette: ['0x1b3a5c', '0x2e6f8e', '0x8a2be2', '0x0f5257'],
    freeEpisodes: 3,
    priceCoins: 40,
    bundlePriceCoins: 99,
    inVip: true,
    adUnlock: true,
    episodes: [
      { title: { zh: '祭河', en: 'The Offering' }, lines: [{ zh: '村里又要给河神送新娘了。', en: 'The village is sending the river god a bride again.' }, { zh: '为什么偏偏是我？', en: 'Why does it have to be me?' }, { zh: '红衣已经备好，天亮就走。', en: 'The red dress is ready. You leave at dawn.' }, { zh: '河水里，有人在看着她。', en: 'Beneath the water, someone was watching her.' }] },
      { title: { zh: '水下宫殿', en: 'The Palace Under Water' }, lines: [{ zh: '这里……是哪里？', en: 'Where... am I?' }, { zh: '别怕，这是我的家。', en: "Don't be afraid. This is my home." }, { zh: '你就是河神？', en: 'You are the river god?' }, { zh: '嫁我后，欺负你的人，有我挡。', en: 'Marry me, and no one will hurt you again.' }] },
      { title: { zh: '红手镯', en: 'The Red Bracelet' }, lines: [{ zh: '这只手镯，能护你周全。', en: 'This bracelet will keep you safe.' }, { zh: '它好像在发光。', en: 'It seems to be glowing.' }, { zh: '戴上它，别让任何人摘下。', en: 'Wear it. Let no one take it off.' }, { zh: '岸上，有人认出了它。', en: 'On the shore, someone recognised it.' }] },
      { title: { zh: '归乡', en: 'Homecoming' }, lines: [{ zh: '我想回家看看母亲。', en: 'I want to see my mother.' }, { zh: '日落之前，必须回来。', en: 'Come back before sunset.' }, { zh: '你不是已经……死了吗？', en: "Weren't you... dead?" }, { zh: '村长的脸色变了。', en: "The village head's face went pale." }] },
      { title: { zh: '真相', en: 'The Truth' }, lines: [{ zh: '每年的新娘，都去了哪里？', en: 'Where did every bride go, year after year?' }, { zh: '她们从来没有见过河神。', en: 'None of them ever met the river god.' }, { zh: '是你们，把她们卖了。', en: 'It was you. You sold them.' }, { zh: '河水开始翻涌。', en: 'The river began to rise.' }] },
      { title: { zh: '河神之怒', en: "The River's Wrath" }, lines: [{ zh: '谁敢动她？', en: 'Who dares touch her?' }, { zh: '我说过，有我挡。', en: 'I told you. I will stand in front of you.' }, { zh: '从今天起，不再有祭河。', en: 'From today, there will be no more offerings.' }, { zh: '（第一季完）', en: '(End of season one)' }] },
    ],
  },
  {
    videoId: '6395',
    englishTitle: 'Day One of Living Together',
    palette: ['0xe07a5f', '0xf2cc8f', '0x81b29a', '0x3d405b'],
    freeEpisodes: 2,
    priceCoins: 30,
    bundlePriceCoins: 100,
    inVip: true,
    adUnlock: true,
    episodes: [
      { title: { zh: '搬家', en: 'Moving In' }, lines: [{ zh: '这么多箱子，都是你的？', en: 'All these boxes are yours?' }, { zh: '口红也算行李。', en: 'Lipstick counts as luggage.' }, { zh: '我们只有一个衣柜。', en: 'We only have one wardrobe.' }, { zh: '那就归我了。', en: "Then it's mine." }] },
      { title: { zh: '第一顿饭', en: 'The First Dinner' }, lines: [{ zh: '我来做饭，你别动。', en: "I'll cook. Don't touch anything." }, { zh: '厨房怎么冒烟了？', en: 'Why is the kitchen smoking?' }, { zh: '这是……烟熏风味。', en: "It's... a smoky flavour." }, { zh: '外卖到了。', en: 'The delivery is here.' }] },
      { title: { zh: '浴室之争', en: 'The Bathroom War' }, lines: [{ zh: '你已经洗了四十分钟！', en: "You've been in there forty minutes!" }, { zh: '护肤有十二个步骤。', en: 'Skincare has twelve steps.' }, { zh: '我上班要迟到了。', en: "I'm going to be late for work." }, { zh: '给你留了一分钟。', en: 'I saved you one minute.' }] },
      { title: { zh: '见家长', en: 'Meeting the Parents' }, lines: [{ zh: '我妈说今晚要来。', en: 'My mum says she is coming tonight.' }, { zh: '今晚？家里这么乱！', en: 'Tonight? The flat is a mess!' }, { zh: '快，把外卖盒藏起来。', en: 'Quick, hide the takeaway boxes.' }, { zh: '阿姨好，我平时很爱做饭。', en: 'Hello auntie, I love cooking.' }] },
      { title: { zh: '吵架', en: 'The Fight' }, lines: [{ zh: '你为什么不回我消息？', en: "Why didn't you answer my messages?" }, { zh: '手机没电了。', en: 'My phone died.' }, { zh: '你就不能借一个充电器？', en: "Couldn't you borrow a charger?" }, { zh: '门被重重地关上了。', en: 'The door slammed shut.' }] },
      { title: { zh: '要嫁就嫁', en: 'Marry Me, Then' }, lines: [{ zh: '对不起，是我不好。', en: "I'm sorry. It was my fault." }, { zh: '那你要怎么补偿我？', en: 'So how will you make it up to me?' }, { zh: '要嫁就嫁……给我吧。', en: 'If you would marry... marry me.' }, { zh: '她笑了。', en: 'She smiled.' }] },
    ],
  },
  {
    videoId: '9920',
    englishTitle: 'The Bad Girl in Class',
    palette: ['0x264653', '0x2a9d8f', '0xe9c46a', '0xe76f51'],
    freeEpisodes: 2,
    priceCoins: 50,
    bundlePriceCoins: null,
    inVip: false,
    adUnlock: false,
    episodes: [
      { title: { zh: '转学生', en: 'The New Girl' }, lines: [{ zh: '她叫林夏，从外地转来。', en: 'Her name is Lin Xia. She transferred from out of town.' }, { zh: '听说她在以前的学校打过人。', en: 'They say she hit someone at her old school.' }, { zh: '没人愿意和她坐一起。', en: 'No one wants to sit next to her.' }, { zh: '我坐这儿，可以吗？', en: 'Can I sit here?' }] },
      { title: { zh: '流言', en: 'Rumours' }, lines: [{ zh: '班群里又在传她的照片。', en: 'Her photo is going round the class chat again.' }, { zh: '你信吗？', en: 'Do you believe it?' }, { zh: '我只信我看到的。', en: 'I only believe what I see.' }, { zh: '她的课本被扔进了垃圾桶。', en: 'Her textbooks were thrown in the bin.' }] },
      { title: { zh: '天台', en: 'The Rooftop' }, lines: [{ zh: '你为什么总是一个人？', en: 'Why are you always alone?' }, { zh: '一个人，就不会被出卖。', en: 'Alone, no one can betray you.' }, { zh: '那以前的事，是真的吗？', en: 'Is the story from before true?' }, { zh: '我打的人，欺负了我妹妹。', en: 'The boy I hit had hurt my sister.' }] },
      { title: { zh: '月考', en: 'The Monthly Exam' }, lines: [{ zh: '她考了全年级第一。', en: 'She came first in the whole year.' }, { zh: '肯定是作弊。', en: 'She must have cheated.' }, { zh: '那就当着全班再考一次。', en: 'Then let her sit it again in front of everyone.' }, { zh: '满分。', en: 'Full marks.' }] },
      { title: { zh: '真相', en: 'The Truth' }, lines: [{ zh: '照片是谁发的？', en: 'Who posted the photo?' }, { zh: '是班长。', en: 'It was the class monitor.' }, { zh: '因为她抢走了我的第一名。', en: 'Because she took my first place.' }, { zh: '教室里一片安静。', en: 'The classroom fell silent.' }] },
      { title: { zh: '后来呢', en: 'And Then?' }, lines: [{ zh: '你有没有被同学排挤过？', en: 'Were you ever shut out by your classmates?' }, { zh: '有。后来，我有了一个朋友。', en: 'Yes. And then, I had a friend.' }, { zh: '谢谢你，坐在我旁边。', en: 'Thank you for sitting next to me.' }, { zh: '（全剧终）', en: '(The end)' }] },
    ],
  },
];
