import type { PreviewStrings } from './en.js';

/** Spanish. */
export const es: PreviewStrings = {
  label: 'Vista previa de tu comentario',
  empty: 'Todavía no hay nada que previsualizar.',
  loading: 'Cargando la vista previa…',
  errors: {
    tooLong: 'Es demasiado largo para publicarlo. Acórtalo un poco.',
    busy: 'Demasiadas vistas previas seguidas. Espera un momento y vuelve a intentarlo.',
    offline: 'No se puede conectar con el servidor, así que ahora no hay vista previa.',
    failed: 'No se pudo cargar la vista previa. Inténtalo de nuevo.',
  },
};
