import type { PreviewStrings } from './en.js';

/** Portuguese. */
export const pt: PreviewStrings = {
  label: 'Prévia do seu comentário',
  empty: 'Ainda não há nada para pré-visualizar.',
  loading: 'Carregando a prévia…',
  errors: {
    tooLong: 'O texto é longo demais para publicar. Encurte-o um pouco.',
    busy: 'Muitas prévias seguidas. Aguarde um momento e tente novamente.',
    offline: 'Não foi possível conectar ao servidor, então não há prévia agora.',
    failed: 'Não foi possível carregar a prévia. Tente novamente.',
  },
};
